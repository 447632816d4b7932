import type { Exposures } from './read-exposures.js';
import { grow } from '../reports/person-timelines.js';

/** Growable typed columns: five numbers per metric event, no object per event. */
export class EventColumns {
  count = 0;
  person = new Int32Array(1024);
  other = new Int32Array(1024);
  metric = new Uint8Array(1024);
  at = new Float64Array(1024);
  value = new Float64Array(1024);

  push(person: number, other: number, metric: number, at: number, value: number): void {
    if (this.count === this.person.length) {
      this.person = grow(this.person);
      this.other = grow(this.other);
      this.metric = grow(this.metric);
      this.at = grow(this.at);
      this.value = grow(this.value);
    }
    const i = this.count++;
    this.person[i] = person;
    this.other[i] = other;
    this.metric[i] = metric;
    this.at[i] = at;
    this.value[i] = value;
  }

  columns(): Exposures['events'] {
    return {
      count: this.count,
      person: this.person,
      other: this.other,
      metric: this.metric,
      at: this.at,
      value: this.value,
    };
  }
}
