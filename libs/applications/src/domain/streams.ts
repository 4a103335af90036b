import { uuidV5 } from '@ipstd/kernel';

/** Namespace for ids derived from business keys (a fixed random UUID; never change it). */
const NAMESPACE = '6f1c2a44-9b0e-4c55-8d3e-2a7b61f0c9d1';

/** One programme per call code: opening the same code twice lands on the same stream. */
export const programmeIdFor = (code: string): string => uuidV5(NAMESPACE, `programme:${code}`);
/** One application per enterprise per programme. */
export const applicationIdFor = (programmeId: string, creditCode: string): string => uuidV5(NAMESPACE, `application:${programmeId}:${creditCode}`);

export const programmeStream = (programmeId: string): string => `programme-${programmeId}`;
export const applicationStream = (applicationId: string): string => `application-${applicationId}`;
export const enterpriseStream = (creditCode: string): string => `enterprise-${creditCode}`;

/**
 * The id of one selection decision, which its budget commitment is keyed by. A request with an
 * Idempotency-Key derives it from the caller's key, so a retry or a concurrent twin of that request
 * finds the same commitment; without a key every request is a decision of its own (a fresh id).
 */
export const selectionIdFor = (applicationId: string, callerKey: string): string => uuidV5(NAMESPACE, `selection:${applicationId}:${callerKey}`);
/** The selection that v1 events (commitments keyed by application) are read as. */
export const legacySelectionId = (applicationId: string): string => uuidV5(NAMESPACE, `selection-v1:${applicationId}`);
