import { Body, Controller, Get, Header, HttpStatus, Inject, Logger, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';
import { Response } from 'express';
import { Clock } from '@ipstd/kernel';
import { EVENT_STORE, EventStore } from '@ipstd/event-store';
import { CLOCK, CurrentPrincipal, Principal, ProblemException, Roles, UuidParam } from '@ipstd/platform';
import { CosignerKey, noteParts, signatureLineParts, verifyCosignature } from '../verify/cosignature';
import { NoteError, openCheckpoint, parseVerifierKey } from '../verify/signed-note';
import { WitnessCosignatures } from '../merkle/witness-cosignatures';
import { EnvelopeJson, envelopeJson } from '../verify/export-format';
import { LeafRefusedError, MerkleLog, TreeHead } from '../merkle/merkle-log';
import { LogSigner, algorithmOf } from '../merkle/log-signer';

/** A tree size or position: a decimal integer without sign or leading zeros, below 2^53. */
const COUNT = /^(0|[1-9][0-9]{0,14})$/;

export class InclusionQueryDto {
  @ApiProperty({ example: '42', description: 'global position of the event' }) @Matches(COUNT) position!: string;
  @ApiPropertyOptional({ example: '1000', description: 'size of the tree the proof is for (default: the current tree)' }) @IsOptional() @Matches(COUNT) treeSize?: string;
}

export class CheckpointQueryDto {
  @ApiPropertyOptional({ example: '1000', description: 'an earlier tree size (1 to the current size): its checkpoint, with the cosignatures witnesses sent for it; default the current tree' })
  @IsOptional() @Matches(COUNT) treeSize?: string;
}

export class CosignatureDto {
  @ApiProperty({ description: 'the signed checkpoint note the witness cosigned, as this log served or published it (its Ed25519 signature line must be present)' })
  @IsString() @Length(1, 8192) checkpoint!: string;
  @ApiProperty({ example: '— witness.example.gov.cn/w1 jWbPPwAAAABkGFDL…', description: 'the witness\'s C2SP tlog-cosignature line: "— <name> base64(keyid ‖ u64 timestamp ‖ Ed25519 signature)"' })
  @IsString() @Length(1, 1024) cosignature!: string;
}

/** How far in the future (by the service's clock) a cosignature's timestamp may lie. */
export const COSIGNATURE_MAX_FUTURE_SECONDS = 300;
export const WITNESS_KEYS = Symbol('WITNESS_KEYS');

export class ConsistencyQueryDto {
  @ApiProperty({ example: '500', description: 'the smaller tree size (≥ 1)' }) @Matches(COUNT) from!: string;
  @ApiProperty({ example: '1000', description: 'the larger tree size (≤ the current tree)' }) @Matches(COUNT) to!: string;
}

export interface InclusionProofJson {
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly proof: string[];
}

export const EVIDENCE_FORMAT = 'ipstd-audit-evidence';
export const EVIDENCE_VERSION = 1;

/** One event with what proves it is in the signed log (verified by scripts/verify-evidence.mjs). */
export interface EvidenceBundle {
  readonly format: typeof EVIDENCE_FORMAT;
  readonly version: number;
  readonly event: EnvelopeJson;
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly inclusionProof: string[];
  /** The signed checkpoint note (C2SP tlog-checkpoint) of the tree of treeSize. */
  readonly checkpoint: string;
}

const hex = (hashes: Buffer[]) => hashes.map((h) => h.toString('hex'));

const problem = (code: string, zh: string, en: string, extensions: Record<string, unknown> = {}) => new ProblemException(HttpStatus.BAD_REQUEST, code, { zh, en }, extensions);

/**
 * The signed, provable view of the log for auditors and outside parties (docs/audit.md §8): signed
 * checkpoints of the RFC 9162 tree, the verifier keys, inclusion and consistency proofs, and
 * single-event evidence bundles.
 */
@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit')
export class TransparencyController {
  private readonly log = new Logger('MerkleLog');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly tree: MerkleLog,
    private readonly signer: LogSigner,
    private readonly cosignatures: WitnessCosignatures,
    @Inject(WITNESS_KEYS) private readonly witnessKeys: readonly CosignerKey[],
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** The signed note of the tree of `size` leaves, with the cosignature lines witnesses sent for exactly that tree. */
  private async note(size: bigint, root: Buffer): Promise<string> {
    const lines = await this.cosignatures.linesFor(size, root);
    return this.signer.checkpoint(size, root) + lines.map((l) => `${l}\n`).join('');
  }

  /** Takes new events into the tree; a refused event (stored hash ≠ hash of its fields) leaves the tree before it. */
  private async current(response?: Response): Promise<TreeHead> {
    try {
      return await this.tree.advance();
    } catch (error) {
      if (!(error instanceof LeafRefusedError)) throw error;
      this.log.error({ msg: 'merkle tree stopped before an altered event', error: error.message });
      response?.setHeader('Audit-Tree-Stalled', 'true');
      return this.tree.head();
    }
  }

  @Get('checkpoint')
  @Roles('auditor', 'witness')
  @Header('Cache-Control', 'no-store')
  @ApiProduces('text/plain')
  @ApiOperation({ summary: 'The signed checkpoint (C2SP tlog-checkpoint as an Ed25519 signed note) of the Merkle tree over the whole log, up to its head (or of an earlier treeSize), with witness cosignature lines for exactly that tree' })
  async checkpoint(@Query() query: CheckpointQueryDto, @Res({ passthrough: true }) response: Response): Promise<string> {
    const head = await this.current(response);
    let size = head.size;
    let root = head.root;
    if (query.treeSize !== undefined) {
      size = BigInt(query.treeSize);
      if (size < 1n || size > head.size) {
        throw problem('CHECKPOINT_TREE_SIZE_INVALID', `树大小须在 1 到当前树大小 ${head.size} 之间`, `treeSize must be between 1 and the current tree size ${head.size}`, { currentTreeSize: Number(head.size) });
      }
      root = size === head.size ? head.root : await this.tree.rootAt(size);
    }
    response.setHeader('Content-Type', 'text/plain; charset=utf-8');
    return this.note(size, root);
  }

  @Post('checkpoint/cosignatures')
  @Roles('witness')
  @ApiOperation({
    summary: 'A witness submits its C2SP tlog-cosignature of a checkpoint this log signed; it then appears as an extra signature line of that checkpoint',
    description: 'The checkpoint must carry this log\'s valid signature and be a tree this log holds (same root at that size); the cosignature must be by a configured witness key (AUDIT_WITNESS_KEYS) and verify. Idempotent: the same cosignature is kept once; a later one by the same witness for the same tree replaces it.',
  })
  async cosign(@Body() body: CosignatureDto, @Res({ passthrough: true }) response: Response) {
    let checkpoint: { origin: string; size: bigint; root: Buffer };
    let text: string;
    try {
      const keys = this.signer.ed25519Keys.map(parseVerifierKey);
      const note = body.checkpoint.endsWith('\n') ? body.checkpoint : `${body.checkpoint}\n`;
      checkpoint = openCheckpoint(note, keys);
      text = noteParts(note).body;
    } catch (error) {
      if (!(error instanceof NoteError)) throw error;
      throw problem('CHECKPOINT_INVALID', `检查点不是本日志签名的有效签名注记：${error.message}`, `The checkpoint is not a note validly signed by this log: ${error.message}`);
    }
    if (checkpoint.origin !== this.signer.origin) throw problem('CHECKPOINT_INVALID', `检查点来源 ${checkpoint.origin} 不是本日志`, `The checkpoint's origin ${checkpoint.origin} is not this log`);
    const head = await this.current(response);
    if (checkpoint.size < 1n || checkpoint.size > head.size || !(await this.tree.rootAt(checkpoint.size)).equals(checkpoint.root)) {
      throw new ProblemException(
        HttpStatus.CONFLICT,
        'CHECKPOINT_NOT_IN_LOG',
        { zh: '本日志不存在该大小与根哈希的树：这不是本日志签发的检查点', en: 'This log holds no tree of that size and root hash: it is not a checkpoint this log signed' },
        { treeSize: Number(checkpoint.size), currentTreeSize: Number(head.size) },
      );
    }
    const line = body.cosignature.trim();
    const parts = signatureLineParts(line);
    if (!parts) throw problem('COSIGNATURE_INVALID', '联署签名行格式应为 “— <名称> <base64>”', 'A cosignature line has the form "— <name> <base64>"');
    const key = this.witnessKeys.find((k) => k.name === parts.name && k.keyId === parts.keyId);
    if (!key) {
      throw new ProblemException(HttpStatus.FORBIDDEN, 'WITNESS_KEY_UNKNOWN', { zh: `见证方密钥 ${parts.name} 未在 AUDIT_WITNESS_KEYS 中配置`, en: `The witness key ${parts.name} is not configured in AUDIT_WITNESS_KEYS` }, { witness: parts.name });
    }
    let cosignature;
    try {
      cosignature = verifyCosignature(text, line, key);
    } catch (error) {
      if (!(error instanceof NoteError)) throw error;
      throw problem('COSIGNATURE_INVALID', `联署签名无效：${error.message}`, `The cosignature is not valid: ${error.message}`, { witness: key.name });
    }
    const now = this.clock.now();
    if (cosignature.timestamp > BigInt(Math.floor(now.getTime() / 1000) + COSIGNATURE_MAX_FUTURE_SECONDS)) {
      throw problem('COSIGNATURE_TIME_INVALID', '联署签名的时间戳晚于当前时间', 'The cosignature is timestamped in the future', { witness: key.name, timestamp: Number(cosignature.timestamp) });
    }
    await this.cosignatures.record(cosignature, checkpoint.size, checkpoint.root, now);
    response.status(HttpStatus.CREATED);
    return { witness: key.name, treeSize: Number(checkpoint.size), timestamp: Number(cosignature.timestamp), note: await this.note(checkpoint.size, checkpoint.root) };
  }

  @Get('keys')
  @Roles('auditor', 'witness')
  @ApiOperation({ summary: 'Verifier keys (name+hexkeyhash+base64key) of the checkpoint signatures: the current key and retired ones, and the witnesses whose cosignatures the log accepts' })
  keys() {
    return {
      origin: this.signer.origin,
      keys: [
        { verifierKey: this.signer.verifierKey, algorithm: 'ed25519', status: 'current' },
        ...(this.signer.sm2VerifierKey ? [{ verifierKey: this.signer.sm2VerifierKey, algorithm: 'sm2-sm3', status: 'current' }] : []),
        ...this.signer.retiredKeys.map((verifierKey) => ({ verifierKey, algorithm: algorithmOf(verifierKey), status: 'retired' })),
      ],
      witnesses: this.witnessKeys.map((k) => ({ verifierKey: k.text, algorithm: 'ed25519-cosignature/v1' })),
    };
  }

  @Get('proofs/inclusion')
  @Roles('auditor', 'witness')
  @ApiOperation({ summary: 'RFC 9162 inclusion proof of the event at a global position in the tree of treeSize leaves' })
  async inclusion(@Query() query: InclusionQueryDto): Promise<InclusionProofJson> {
    const position = BigInt(query.position);
    let leaf = await this.tree.leafByPosition(position);
    if (!leaf) {
      await this.current();
      leaf = await this.tree.leafByPosition(position);
    }
    if (!leaf) {
      throw new ProblemException(HttpStatus.NOT_FOUND, 'LEAF_NOT_FOUND', { zh: '该位置没有已入树的事件', en: 'No event at this position is in the tree' }, { position: Number(position) });
    }
    const head = await this.tree.head();
    const treeSize = query.treeSize === undefined ? head.size : BigInt(query.treeSize);
    if (treeSize <= leaf.leafIndex || treeSize > head.size) {
      throw problem('PROOF_TREE_SIZE_INVALID', `树大小必须大于叶序号 ${leaf.leafIndex} 且不超过当前树大小 ${head.size}`, `treeSize must be above the leaf index ${leaf.leafIndex} and at most the current tree size ${head.size}`, {
        leafIndex: Number(leaf.leafIndex),
        currentTreeSize: Number(head.size),
      });
    }
    return { leafIndex: Number(leaf.leafIndex), treeSize: Number(treeSize), proof: hex(await this.tree.inclusionProof(leaf.leafIndex, treeSize)) };
  }

  @Get('proofs/consistency')
  @Roles('auditor', 'witness')
  @ApiOperation({ summary: 'RFC 9162 consistency proof that the tree of `from` leaves is a prefix of the tree of `to` leaves' })
  async consistency(@Query() query: ConsistencyQueryDto): Promise<{ from: number; to: number; proof: string[] }> {
    const from = BigInt(query.from);
    const to = BigInt(query.to);
    const head = await this.tree.head();
    if (!(from >= 1n && from <= to && to <= head.size)) {
      throw problem('PROOF_RANGE_INVALID', `须满足 1 ≤ from ≤ to ≤ 当前树大小 ${head.size}`, `1 ≤ from ≤ to ≤ the current tree size ${head.size} must hold`, { currentTreeSize: Number(head.size) });
    }
    return { from: Number(from), to: Number(to), proof: hex(await this.tree.consistencyProof(from, to)) };
  }

  @Get('evidence/:eventId')
  @Roles('auditor')
  @ApiOperation({
    summary: 'One event, its inclusion proof and the signed checkpoint it is proved against; scripts/verify-evidence.mjs checks it with the verifier key alone',
    description: 'Auditors without a city claim only (the bundle holds the event in full).',
  })
  async evidence(@Param('eventId', UuidParam) eventId: string, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) response: Response): Promise<EvidenceBundle> {
    if (principal.city !== null) {
      throw new ProblemException(HttpStatus.FORBIDDEN, 'SCOPE_FORBIDDEN', { zh: '单事件证据包仅向不限城市的审计人员提供', en: 'Evidence bundles are for auditors without a city scope' });
    }
    await this.current(response);
    const leaf = await this.tree.leafByEventId(eventId);
    if (!leaf) throw new ProblemException(HttpStatus.NOT_FOUND, 'LEAF_NOT_FOUND', { zh: '该事件不存在或尚未入树', en: 'No such event in the tree' });
    // Read after the leaf: another process may have advanced the tree meanwhile, and the head row is one consistent (size, root).
    const head = await this.tree.head();
    const [event] = await this.store.readAll({ after: leaf.globalPosition - 1n, maxCount: 1 });
    if (!event || event.globalPosition !== leaf.globalPosition || event.eventId !== eventId) {
      throw new ProblemException(HttpStatus.CONFLICT, 'LOG_TREE_MISMATCH', { zh: '日志中该位置的事件与默克尔树不一致', en: 'The event stored at this position is not the one in the Merkle tree' });
    }
    response.setHeader('Cache-Control', 'no-store');
    return {
      format: EVIDENCE_FORMAT,
      version: EVIDENCE_VERSION,
      event: envelopeJson(event),
      leafIndex: Number(leaf.leafIndex),
      treeSize: Number(head.size),
      inclusionProof: hex(await this.tree.inclusionProof(leaf.leafIndex, head.size)),
      checkpoint: await this.note(head.size, head.root),
    };
  }
}
