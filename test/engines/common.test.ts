import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  commonPathPrefix, isPathWithin, parentPath, resolvePath, validateAbsolutePath,
} from '../../engines/common/paths.ts';
import { hasAccess, inheritPerms, validatePerms } from '../../engines/common/perms.ts';
import { XsError } from '../../engines/common/errors.ts';

const einval = (fn: () => void) => assert.throws(fn, (e: unknown) => e instanceof XsError && e.code === 'EINVAL');

test('paths: valid absolute paths pass, malformed ones are EINVAL', () => {
  validateAbsolutePath('/');
  validateAbsolutePath('/local/domain/1/device/vif-0_a@b');
  einval(() => validateAbsolutePath(''));
  einval(() => validateAbsolutePath('local'));
  einval(() => validateAbsolutePath('/a//b'));
  einval(() => validateAbsolutePath('/a/'));
  einval(() => validateAbsolutePath('/a b'));
  einval(() => validateAbsolutePath('/a.b'));
  einval(() => validateAbsolutePath(`/${'x'.repeat(3072)}`));
  validateAbsolutePath(`/${'x'.repeat(3071)}`);
});

test('paths: relative paths resolve under /local/domain/<domid>, 2048-byte limit', () => {
  assert.equal(resolvePath(7, 'data/x'), '/local/domain/7/data/x');
  assert.equal(resolvePath(7, '/abs'), '/abs');
  resolvePath(0, 'x'.repeat(2048));
  einval(() => resolvePath(0, 'x'.repeat(2049)));
});

test('paths: parents, containment and common prefixes are by whole components', () => {
  assert.equal(parentPath('/a/b/c'), '/a/b');
  assert.equal(parentPath('/a'), '/');
  assert.equal(isPathWithin('/a/bc', '/a/b'), false);
  assert.equal(isPathWithin('/a/b/c', '/a/b'), true);
  assert.equal(isPathWithin('/a/b', '/'), true);
  assert.equal(commonPathPrefix('/a/bc/d', '/a/b/d'), '/a');
  assert.equal(commonPathPrefix('/x', '/y'), '/');
  assert.equal(commonPathPrefix('/a/b', '/a/b/c'), '/a/b');
});

test('perms: owner has full access, first entry is the default, dom0 always passes', () => {
  const perms = ['n5', 'r7', 'w8', 'b9'];
  assert.deepEqual(
    [0, 5, 6, 7, 8, 9].map((d) => [hasAccess(perms, d, 'read'), hasAccess(perms, d, 'write')]),
    [[true, true], [true, true], [false, false], [true, false], [false, true], [true, true]],
  );
  assert.equal(hasAccess(['r3'], 4, 'read'), true);
  assert.equal(hasAccess(['r3'], 4, 'write'), false);
});

test('perms: validation and inheritance by an unprivileged creator', () => {
  validatePerms(['b0', 'r65535']);
  einval(() => validatePerms([]));
  einval(() => validatePerms(['x1']));
  einval(() => validatePerms(['r65536']));
  einval(() => validatePerms(['r01']));
  assert.deepEqual(inheritPerms(['n0', 'r5'], 0), ['n0', 'r5']);
  assert.deepEqual(inheritPerms(['n0', 'r5'], 5), ['n5', 'r5']);
  assert.deepEqual(inheritPerms(['r5'], 5), ['r5']);
});
