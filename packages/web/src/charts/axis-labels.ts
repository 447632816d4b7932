/** A category axis' labels: wide enough for the longest, within bounds; longer ones are shortened. */
const CHAR_PX = 7;
const PAD_PX = 12;

export function labelAxisWidth(labels: readonly string[], max = 180): number {
  const longest = labels.reduce((most, label) => Math.max(most, label.length), 0);
  return Math.min(max, Math.max(48, PAD_PX + CHAR_PX * longest));
}

/** The label cut to what `width` pixels hold, with an ellipsis where it was cut. */
export function fitLabel(label: string, width: number): string {
  const room = Math.max(4, Math.floor((width - PAD_PX) / CHAR_PX));
  return label.length <= room ? label : `${label.slice(0, room - 1)}…`;
}
