/*
 * thinkprobe: how long a client process takes between the moment a
 * single-threaded daemon writes its reply and the moment the client's next
 * request is written ("think time"), with N client processes on this
 * machine's scheduler, as in the paper's section 7.1 (128 processes, each
 * looping requests against one daemon).
 *
 * The daemon is a stand-in: one process, poll() over N Unix stream
 * sockets, serving the ready connections in a fixed order, spending
 * `service_us` of CPU per request (a busy loop: the 2009 daemon was
 * CPU-bound), and stamping each reply with CLOCK_MONOTONIC just before
 * write(). Each client records, per request, think = (its next write) -
 * (the reply's stamp): the scheduler's wake-up of the client plus the
 * client's own CPU. Counts go into log-spaced bins in shared memory; the
 * parent prints one JSON line.
 *
 * usage: thinkprobe <clients> <service_us> <seconds>
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BINS 96       /* bin b: [LOW * STEP^b, LOW * STEP^(b+1)) us */
#define LOW 0.0625
#define STEP 1.189207115 /* 2^(1/4) */
#define MSG 32        /* request and reply size (a small xenstore frame) */

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int bin_of(double us) {
  int b = 0;
  double edge = LOW * STEP;
  while (b < BINS - 1 && us >= edge) { edge *= STEP; b++; }
  return b;
}

/* Geometric middle of bin b. */
static double bin_mid(int b) {
  double edge = LOW;
  for (int i = 0; i < b; i++) edge *= STEP;
  return edge * 1.0905077;
}

struct shared {
  volatile int stop;
  uint64_t think[BINS];
  uint64_t samples;
  uint64_t think_ns, wake_ns, cpu_ns, max_ns;
};

static int read_full(int fd, void *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, (char *)buf + got, n - got);
    if (r <= 0) {
      if (r < 0 && errno == EINTR) continue;
      return -1;
    }
    got += (size_t)r;
  }
  return 0;
}

static void client(int fd, struct shared *sh, int index) {
  char msg[MSG];
  uint64_t bins[BINS] = {0};
  uint64_t samples = 0, think_ns = 0, wake_ns = 0, cpu_ns = 0, max_ns = 0;
  memset(msg, index & 0xff, sizeof msg);
  if (write(fd, msg, MSG) != MSG) _exit(1);
  while (!sh->stop) {
    if (read_full(fd, msg, MSG) < 0) break;
    uint64_t woke = now_ns();
    uint64_t stamp;
    memcpy(&stamp, msg, sizeof stamp);
    /* the client's own work between a reply and its next request: decode, decide, encode */
    volatile unsigned spin = 0;
    for (unsigned i = 0; i < 200; i++) spin += i;
    uint64_t sent = now_ns();
    if (write(fd, msg, MSG) != MSG) break;
    bins[bin_of((double)(sent - stamp) / 1000.0)]++;
    think_ns += sent - stamp;
    if (sent - stamp > max_ns) max_ns = sent - stamp;
    wake_ns += woke - stamp;
    cpu_ns += sent - woke;
    samples++;
  }
  for (int b = 0; b < BINS; b++) __atomic_add_fetch(&sh->think[b], bins[b], __ATOMIC_RELAXED);
  __atomic_add_fetch(&sh->samples, samples, __ATOMIC_RELAXED);
  __atomic_add_fetch(&sh->think_ns, think_ns, __ATOMIC_RELAXED);
  __atomic_add_fetch(&sh->wake_ns, wake_ns, __ATOMIC_RELAXED);
  __atomic_add_fetch(&sh->cpu_ns, cpu_ns, __ATOMIC_RELAXED);
  uint64_t seen = __atomic_load_n(&sh->max_ns, __ATOMIC_RELAXED);
  while (max_ns > seen && !__atomic_compare_exchange_n(&sh->max_ns, &seen, max_ns, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {}
  _exit(0);
}

static double quantile(const uint64_t *bins, uint64_t total, double q) {
  uint64_t want = (uint64_t)(q * (double)total), seen = 0;
  for (int b = 0; b < BINS; b++) {
    seen += bins[b];
    if (seen > want) return bin_mid(b);
  }
  return bin_mid(BINS - 1);
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: thinkprobe <clients> <service_us> <seconds>\n");
    return 2;
  }
  int n = atoi(argv[1]);
  double service_us = atof(argv[2]);
  double seconds = atof(argv[3]);
  if (n < 1 || n > 4096 || service_us < 0 || seconds <= 0) {
    fprintf(stderr, "thinkprobe: bad arguments\n");
    return 2;
  }
  struct shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (sh == MAP_FAILED) { perror("mmap"); return 1; }
  memset(sh, 0, sizeof *sh);
  int *fds = calloc((size_t)n, sizeof *fds);
  pid_t *pids = calloc((size_t)n, sizeof *pids);
  struct pollfd *pfd = calloc((size_t)n, sizeof *pfd);
  if (!fds || !pids || !pfd) { perror("calloc"); return 1; }
  for (int i = 0; i < n; i++) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) { perror("socketpair"); return 1; }
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); return 1; }
    if (pid == 0) {
      close(sv[0]);
      for (int j = 0; j < i; j++) close(fds[j]);
      client(sv[1], sh, i);
    }
    close(sv[1]);
    fds[i] = sv[0];
    pids[i] = pid;
    pfd[i].fd = sv[0];
    pfd[i].events = POLLIN;
  }
  uint64_t end = now_ns() + (uint64_t)(seconds * 1e9);
  uint64_t served = 0;
  char msg[MSG];
  while (now_ns() < end) {
    if (poll(pfd, (nfds_t)n, 100) <= 0) continue;
    for (int i = 0; i < n; i++) {
      if (!(pfd[i].revents & POLLIN)) continue;
      if (read_full(fds[i], msg, MSG) < 0) continue;
      uint64_t until = now_ns() + (uint64_t)(service_us * 1000.0);
      while (now_ns() < until) {}
      uint64_t stamp = now_ns();
      memcpy(msg, &stamp, sizeof stamp);
      if (write(fds[i], msg, MSG) != MSG) continue;
      served++;
    }
  }
  sh->stop = 1;
  for (int i = 0; i < n; i++) shutdown(fds[i], SHUT_RDWR);
  for (int i = 0; i < n; i++) waitpid(pids[i], NULL, 0);
  uint64_t total = sh->samples;
  if (total == 0) { fprintf(stderr, "thinkprobe: no samples\n"); return 1; }
  static const double qs[] = {0.01, 0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.99, 0.999};
  printf("{\"clients\":%d,\"serviceUs\":%.1f,\"seconds\":%.1f,\"requests\":%llu,\"samples\":%llu,",
         n, service_us, seconds, (unsigned long long)served, (unsigned long long)total);
  printf("\"thinkMeanUs\":%.2f,\"wakeMeanUs\":%.2f,\"clientCpuMeanUs\":%.2f,\"thinkQuantilesUs\":{",
         (double)sh->think_ns / 1000.0 / (double)total, (double)sh->wake_ns / 1000.0 / (double)total, (double)sh->cpu_ns / 1000.0 / (double)total);
  for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++) printf("%s\"%g\":%.2f", k ? "," : "", qs[k], quantile(sh->think, total, qs[k]));
  printf(",\"1\":%.2f}}\n", (double)sh->max_ns / 1000.0);
  return 0;
}
