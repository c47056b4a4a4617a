// Hostile YAML for the tests of untrusted config and flow files.

/** "Billion laughs": ten aliases of ten aliases of … a list, 10^9 items once expanded. */
export const aliasBomb = [
  'a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]',
  ...'bcdefghij'.split('').map((name, i) => {
    const prev = 'abcdefghij'[i] ?? 'a'
    return `${name}: &${name} [${Array.from({ length: 10 }, () => `*${prev}`).join(', ')}]`
  })
].join('\n') + '\n'

/** Lists nested `depth` levels deep. */
export const nested = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}\n`
