import type { Condition, Operand } from './segments.schema.js';

/**
 * Visits every condition node (and/or/not included) and every operand of a condition, in order.
 * Event filters (`where`) are not entered: they speak of an event, not of the person, and the
 * caller reaches them through the aggregates and sequences it is given.
 */
export function walkCondition(
  c: Condition,
  visit: { condition?: (c: Condition) => void; operand?: (o: Operand) => void },
): void {
  visit.condition?.(c);
  const operand = (o: Operand) => visit.operand?.(o);
  switch (c.type) {
    case 'and':
    case 'or':
      for (const child of c.children) walkCondition(child, visit);
      return;
    case 'not':
      walkCondition(c.child, visit);
      return;
    case 'compare':
      operand(c.left);
      operand(c.right);
      return;
    case 'in':
    case 'exists':
    case 'matches':
      operand(c.value);
      return;
    case 'contains':
      operand(c.value);
      operand(c.search);
      return;
    case 'starts_with':
      operand(c.value);
      operand(c.prefix);
      return;
    case 'boolean':
    case 'in_segment':
    case 'in_cluster':
    case 'sequence':
      return;
  }
}
