/** The grant id derivation lives in the kernel so the application view can name its grant (docs/api-guide.md). */
export { GRANT_ID_NAMESPACE, grantIdFor } from '@ipstd/kernel';

export const grantStream = (grantId: string): string => `grant-${grantId}`;
