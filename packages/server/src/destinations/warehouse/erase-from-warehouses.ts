import type { PendingErasure } from '../../store/profile-store.js';
import type { DestinationStore } from '../destination-store.js';
import type { WarehouseChannel } from './warehouse-channel.js';

/** An erasure reaching every warehouse destination: the person's rows leave each of its tables. */
export async function eraseFromWarehouses(
  destinations: Pick<DestinationStore, 'list'>,
  warehouse: Pick<WarehouseChannel, 'erase'>,
  person: Pick<PendingErasure, 'identifiers' | 'profiles'>,
): Promise<void> {
  const valuesOf = (type: string) =>
    person.identifiers.filter((i) => i.type === type).map((i) => i.value);
  const who = {
    userIds: valuesOf('userId'),
    anonymousIds: valuesOf('anonymousId'),
    profileIds: person.profiles,
  };
  for (const destination of await destinations.list())
    if (destination.type === 'warehouse') await warehouse.erase(destination, who);
}
