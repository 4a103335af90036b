import { uuidV5 } from '@ipstd/kernel';

/** Namespace for grant ids derived from business keys (a fixed random UUID; never change it). */
export const GRANT_ID_NAMESPACE = '3b8e5c1d-7a42-4f09-9d6b-c2e1f4a8b730';

/** One grant per selected application: a process manager that awards twice lands on the same stream. */
export const grantIdFor = (applicationId: string): string => uuidV5(GRANT_ID_NAMESPACE, `grant:${applicationId}`);

export const grantStream = (grantId: string): string => `grant-${grantId}`;
