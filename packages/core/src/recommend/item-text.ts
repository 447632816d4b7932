/** What content-based similarity reads of a catalogue item. */
export interface ItemContent {
  name?: string | undefined;
  category?: string | undefined;
  brand?: string | undefined;
}

/**
 * The text content-based similarity compares items by: name, category and brand, in that
 * order (a category path such as "Home/Kitchen" reads as its words). Empty when none is known.
 */
export function itemText(item: ItemContent): string {
  return [item.name, item.category, item.brand].filter((part) => part !== undefined).join(' ');
}
