/**
 * What a chart shows, as plain data: built from runs by reports/charts.ts,
 * turned into a Chart.js configuration by reports/chart-config.ts, and
 * rendered to PNG, SVG and PDF (reports/render.ts) or inlined into
 * report.html.
 */

/** One point of a line. */
export interface ChartPoint {
  readonly x: number;
  readonly y: number;
}

/** One line of a chart. */
export interface ChartSeries {
  /** Legend text, short: `tdb · xen-2009`. */
  readonly label: string;
  /** Engine (or target label): picks the colour. */
  readonly engine: string;
  /** Index of the results file the series comes from. */
  readonly sourceIndex: number;
  /** Style variant (line dash and marker shape): a second cost profile, another source. */
  readonly variant?: number;
  readonly points: readonly ChartPoint[];
  /**
   * What the line is: measured (default); the paper's reported shape,
   * approximate (grey, thin, dotted, its label says so); or one edge of a
   * shaded band (no line of its own).
   */
  readonly kind?: 'measured' | 'reference' | 'band';
  /** Stable name, so that a band edge can name the edge it shades to. */
  readonly id?: string;
  /** Shade the area between this series and the series with this `id` (the band's upper edge names the lower). */
  readonly fillTo?: string;
  /** Leave the series out of the legend (the lower edge of a band: the upper edge stands for both). */
  readonly hideInLegend?: boolean;
}

/** One bar of a bar chart (a scenario run at a single guest count): one row per engine × profile. */
export interface ChartBar {
  readonly label: string;
  readonly engine: string;
  readonly sourceIndex: number;
  /** Style variant: a second cost profile is drawn lighter. */
  readonly variant?: number;
  /** The value (for an unfinished run: the cap it ran into, never drawn as a bar). */
  readonly value: number;
  /** The value is a lower bound: its label reads "≥ value". */
  readonly lowerBound?: boolean;
  /** Set when the run did not finish: no bar, this text in its place (`did not finish within 100 s (cap)`). */
  readonly unfinished?: string;
}

/** A straight reference line across the plot: a cap, an SLO bound, the paper's figure. */
export interface ChartLine {
  /** `y`: a horizontal line at y = value; `x`: a vertical one at x = value. */
  readonly axis: 'x' | 'y';
  readonly value: number;
  /** Extent along the other axis (default: across the whole plot); a vertical line's label sits at the middle of it. */
  readonly from?: number;
  readonly to?: number;
  readonly label: string;
  /** cap: dashed, label under its right end; slo: dash-dot green, label above its left end; paper: grey dotted, label above its left end. */
  readonly kind: 'cap' | 'slo' | 'paper';
  /** Which end of a horizontal line its label sits at (default: by kind, see chart-config.ts). */
  readonly labelAt?: 'start' | 'end';
  /** Whether a horizontal line's label sits above or below it (default: below a cap, above the rest). */
  readonly labelSide?: 'above' | 'below';
  /**
   * A vertical line's label read across, beside the line at 70 % of its
   * height, on this side of it (default: along the line, rotated).
   */
  readonly labelAcross?: 'left' | 'right';
}

/**
 * A point labelled in a row above the cap line, with a thin connector down
 * to it: a livelock (the first guest that never started, on the cap line)
 * or one of the paper's reported points.
 */
export interface ChartMark {
  readonly x: number;
  /** Where the marker sits (the cap, for a guest that never started). */
  readonly y: number;
  /** Where the connector starts (default `y`; 0 draws it from the x axis up, e.g. the paper's "near 40"). */
  readonly fromY?: number;
  /** Label text; `\n` breaks it into lines (keep lines short: the label sits inside the plot). */
  readonly label: string;
  /** Colour of the engine (measured); absent: the paper's grey. */
  readonly engine?: string;
  readonly kind: 'livelock' | 'paper';
}

/** A chart, as data: a line chart (`series`) or, when `bars` is set, a horizontal bar chart. */
export interface ChartSpec {
  /** File-safe name, e.g. `goodput-short-txn` (the files are `charts/<id>.png`, `.svg`, `.pdf`). */
  readonly id: string;
  readonly title: string;
  /** One line under the title: what the figure covers or leaves out. */
  readonly subtitle?: string;
  readonly xLabel: string;
  readonly yLabel: string;
  /** Log x axis (values spanning two decades or more). */
  readonly xLog: boolean;
  /** Log y axis: set when the values span two decades or more (cost vs store size, p99 latency). */
  readonly yLog?: boolean;
  /**
   * A geometric grid (1, 2, 4, ... 64 guests; 1k, 10k, 100k nodes): the x
   * axis shows these values equally spaced, which is a log axis (log₂ for
   * doubling); every point's x is one of them.
   */
  readonly xCategories?: readonly number[];
  readonly series: readonly ChartSeries[];
  readonly bars?: readonly ChartBar[];
  /** Appended to bar value labels (`%` for the abort rate; other units are in the axis title). */
  readonly valueSuffix?: string;
  /** Largest value the value axis can take (100 for a percentage): the axis ends there, not at the next round number. */
  readonly valueMax?: number;
  /** Straight reference lines (cap, SLO, the paper's figure). */
  readonly lines?: readonly ChartLine[];
  /** Labelled points above the cap line (livelocks, the paper's points); see {@link ChartMark}. */
  readonly marks?: readonly ChartMark[];
  /** y value of the line the marks stand on (the cap); the y axis leaves room above it for one row per mark. */
  readonly marksAbove?: number;
}
