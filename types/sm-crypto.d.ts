/** The parts of sm-crypto (a test-only dependency: the independent SM2/SM3 implementation) the tests use. */
declare module 'sm-crypto' {
  export const sm2: {
    generateKeyPairHex(): { privateKey: string; publicKey: string };
    doSignature(message: string, privateKeyHex: string, options?: { hash?: boolean; der?: boolean; publicKey?: string; userId?: string }): string;
    doVerifySignature(message: string, signatureHex: string, publicKeyHex: string, options?: { hash?: boolean; der?: boolean; userId?: string }): boolean;
  };
  export function sm3(message: string): string;
}
