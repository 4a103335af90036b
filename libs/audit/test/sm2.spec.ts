import { createHash, generateKeyPairSync } from 'node:crypto';
// An independent SM2/SM3 implementation (sm-crypto, a test-only dependency) checks the service's code in both directions.
import { sm2 as smCrypto, sm3 as smCryptoSm3 } from 'sm-crypto';
import { parseSm2VerifierKey, sm2PrivateScalar, sm2PublicKeyOf, sm2Sign, sm2SignatureLine, sm2VerifierKeyOf, sm2Verify, sm3, verifySm2Line } from '../src/verify/sm2';
import { NoteError } from '../src/verify/signed-note';

describe('SM3 and SM2 (GB/T 32905, GB/T 32918) for the checkpoint note', () => {
  it('SM3 known answers (GB/T 32905-2016 Appendix A): "abc" and the 512-bit message', () => {
    expect(sm3(Buffer.from('abc')).toString('hex')).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
    expect(createHash('sm3').update('abcd'.repeat(16)).digest('hex')).toBe('debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732');
    expect(smCryptoSm3('abc')).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
  });

  it('signs what an independent implementation verifies, and verifies what it signs, with the public key alone', () => {
    const { privateKey: dHex, publicKey: pubHex } = smCrypto.generateKeyPairHex();
    const d = BigInt(`0x${dHex}`);
    const publicKey = Buffer.from(pubHex, 'hex');
    expect(sm2PublicKeyOf(d).equals(publicKey)).toBe(true);
    const message = 'ipstd-funding/audit-log\n42\nq6ZFSyW9SeF6L3ZK6rTSvPCuN6Sl05PDPPxiLxwDbWA=\n';
    for (let i = 0; i < 3; i++) {
      const ours = sm2Sign(Buffer.from(message), d, publicKey);
      expect(smCrypto.doVerifySignature(message, ours.toString('hex'), pubHex, { hash: true })).toBe(true);
      expect(sm2Verify(Buffer.from(message), ours, publicKey)).toBe(true);
      const theirs = Buffer.from(smCrypto.doSignature(message, dHex, { hash: true, publicKey: pubHex }), 'hex');
      expect(sm2Verify(Buffer.from(message), theirs, publicKey)).toBe(true);
    }
    // The public key alone: nothing else about the signer is needed; other messages, keys and signatures fail.
    const signature = sm2Sign(Buffer.from(message), d, publicKey);
    expect(sm2Verify(Buffer.from(`${message}x`), signature, publicKey)).toBe(false);
    expect(sm2Verify(Buffer.from(message), Buffer.concat([signature.subarray(0, 63), Buffer.from([signature[63] ^ 1])]), publicKey)).toBe(false);
    expect(sm2Verify(Buffer.from(message), signature, Buffer.from(smCrypto.generateKeyPairHex().publicKey, 'hex'))).toBe(false);
    expect(smCrypto.doVerifySignature(`${message}x`, signature.toString('hex'), pubHex, { hash: true })).toBe(false);
  });

  it('reads an OpenSSL/Node SM2 PEM key and a hex key; refuses other keys', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'SM2' });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    const d = sm2PrivateScalar(Buffer.from(pem));
    expect(sm2PrivateScalar(Buffer.from(privateKey.export({ format: 'pem', type: 'sec1' }) as string))).toBe(d);
    expect(sm2PrivateScalar(Buffer.from(`${d.toString(16).padStart(64, '0')}\n`))).toBe(d);
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    expect(() => sm2PrivateScalar(Buffer.from(p256))).toThrow(NoteError);
  });

  it('puts a second signature line on a note; the SM2 verifier key checks it', () => {
    const { privateKey: dHex, publicKey: pubHex } = smCrypto.generateKeyPairHex();
    const publicKey = Buffer.from(pubHex, 'hex');
    const name = 'ipstd-funding/audit-log/sm2';
    const text = 'ipstd-funding/audit-log\n7\nq6ZFSyW9SeF6L3ZK6rTSvPCuN6Sl05PDPPxiLxwDbWA=\n';
    const line = sm2SignatureLine(text, name, BigInt(`0x${dHex}`), publicKey);
    const note = `${text}\n— ipstd-funding/audit-log AAAAAAAA\n${line}\n`;
    const vkey = sm2VerifierKeyOf(name, publicKey);
    const key = parseSm2VerifierKey(vkey);
    expect(key.publicKey.equals(publicKey)).toBe(true);
    expect(() => verifySm2Line(note, key)).not.toThrow();
    // The line's signature is r ‖ s over the note text, which sm-crypto verifies too.
    const sig = Buffer.from(line.split(' ')[2], 'base64').subarray(4);
    expect(smCrypto.doVerifySignature(text, sig.toString('hex'), pubHex, { hash: true })).toBe(true);
    expect(() => verifySm2Line(note.replace('\n7\n', '\n8\n'), key)).toThrow(/does not verify/);
    expect(() => verifySm2Line(`${text}\n— ipstd-funding/audit-log AAAAAAAA\n`, key)).toThrow(/no SM2 signature/);
    expect(() => parseSm2VerifierKey(vkey.replace(/\+[0-9a-f]{8}\+/, '+00000000+'))).toThrow(NoteError);
  });
});
