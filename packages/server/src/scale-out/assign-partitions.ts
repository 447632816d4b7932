import { createHash } from 'node:crypto';

/**
 * Which partitions each live node should own, computed the same by every node from the same list
 * of nodes: every (partition, node) pair gets a hash weight, and pairs are taken heaviest first,
 * a partition going to the first node with room (shares differ by one at most). A node joining or
 * leaving moves about the partitions it gains or held plus a few for balance, not a reshuffle.
 */
export function assignPartitions(
  nodes: readonly string[],
  partitions: number,
): Map<string, number[]> {
  const owners = new Map<string, number[]>(nodes.map((node) => [node, []]));
  if (nodes.length === 0) return owners;
  // Even shares: every node holds floor(P/N), and P mod N of them (whichever fill first) one more.
  const floor = Math.floor(partitions / nodes.length);
  let extra = partitions % nodes.length;
  const pairs: { partition: number; node: string; weight: number }[] = [];
  for (let partition = 0; partition < partitions; partition++) {
    for (const node of owners.keys())
      pairs.push({ partition, node, weight: weight(node, partition) });
  }
  pairs.sort(
    (x, y) => y.weight - x.weight || x.partition - y.partition || (x.node < y.node ? -1 : 1),
  );
  const placed = new Set<number>();
  for (const { partition, node } of pairs) {
    const owned = owners.get(node);
    if (placed.has(partition) || owned === undefined || owned.length > floor) continue;
    if (owned.length === floor) {
      if (extra === 0) continue;
      extra--;
    }
    owned.push(partition);
    placed.add(partition);
  }
  for (const owned of owners.values()) owned.sort((a, b) => a - b);
  return owners;
}

function weight(node: string, partition: number): number {
  return createHash('sha256')
    .update(`${node}\0${String(partition)}`)
    .digest()
    .readUInt32BE(0);
}
