import { Principal } from '@ipstd/platform';
import { requireCity } from '../access';

/** Who may select or reject (立项): the programme admin of the call's city (the route admits only that role). */
export function selectionPolicy(principal: Principal, programmeCity: string): void {
  requireCity(principal, programmeCity);
}
