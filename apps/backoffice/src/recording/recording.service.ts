import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import {
  BulkAppend,
  PgEventStore,
  WrongExpectedVersionError,
  contentHash,
  type AppendRequest,
  type NewEvent,
} from '@app/event-store';
import { DomainError, conflict, invariant } from '@app/kernel';
import {
  decideCorrection,
  decideService,
  decideSetup,
  emptyServiceStream,
  evolvePlaces,
  evolveServiceStream,
  isPlaceError,
  isServiceKind,
  isSetupKind,
  isServiceStreamEvent,
  serviceStreamOf,
  SHARED_STREAM_TYPE,
  type AnyRecord,
  type Decision,
  type Places,
  type ServiceRecordBody,
  type ServiceStreamState,
  type SetupEvent,
  type SetupRecord,
  type StreamRef,
} from '@app/recording';
import type { RecordTarget } from '@app/auth';
import { EVENT_STORE, PG_POOL, loadHouseholdKeyring, type HouseholdKeyring, type RecordAuthorizer } from '@app/platform';
import { PlaceDirectory } from './place-directory.js';
import { RecordIdentities, recordEventId } from './record-identities.js';
import { contactHashing, householdsWithContact, protectPersonalData, statesContact } from './personal-data.js';

export interface RecordContext {
  actor: string;
  correlationId?: string;
  /**
   * Access control, asked for each record once decided, with the place the decision put it in (for
   * a correction: the corrected record's). Throws a `forbidden` DomainError to refuse the record.
   */
  authorize?: RecordAuthorizer;
}

type ChunkContext = RecordContext & { correlationId: string };

export type RecordOutcome =
  | { status: 'accepted'; position: number }
  | { status: 'duplicate'; position: number }
  | { status: 'rejected'; error: DomainError };

export interface RecordBatchOptions {
  /** Every read and append goes through this client (an atomic import's transaction). */
  tx?: pg.PoolClient;
}

/** Records decided and appended together; a caller's batch is cut into these. */
const CHUNK = 5000;
/** Without a transaction of the caller's, a chunk that lost a race is decided again from fresh state. */
const ATTEMPTS = 5;
/** Records decided between two turns of the event loop: a chunk before may be waiting on database replies (see the import's LINES_PER_TURN). */
const RECORDS_PER_TURN = 128;

/** States are never changed in place (evolve makes new ones): every new stream starts from this one. */
const EMPTY_STREAM = emptyServiceStream();

const isSetupRecord = (record: AnyRecord): record is SetupRecord => isSetupKind(record.kind);

/**
 * The write side's one path: REST commands and imports both come here. Per chunk: one query finds
 * records already stored (idempotency, checked before any rule), one loads the streams the chunk
 * touches, every record is decided in memory in order (each sees the effects of the ones before),
 * then the chunk is appended at once with expected versions.
 */
@Injectable()
export class RecordingService {
  private readonly directory: PlaceDirectory;
  /** Whether the last chunks were new records: then ids are not looked up before deciding. */
  private expectNew = true;

  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(EVENT_STORE) private readonly store: PgEventStore,
  ) {
    this.directory = new PlaceDirectory(pool);
  }

  async recordBatch(records: AnyRecord[], ctx: RecordContext, options: RecordBatchOptions = {}): Promise<RecordOutcome[]> {
    const sequence = this.sequence(ctx, options.tx);
    if (records.length <= CHUNK) return sequence.record(records);
    const chunks: Promise<RecordOutcome[]>[] = [];
    for (let start = 0; start < records.length; start += CHUNK) {
      chunks.push(sequence.record(records.slice(start, start + CHUNK)));
    }
    return (await Promise.all(chunks)).flat();
  }

  async record(record: AnyRecord, ctx: RecordContext): Promise<RecordOutcome> {
    return (await this.recordBatch([record], ctx))[0]!;
  }

  /** Chunks recorded in the order they are given (an import's), under one correlation id. */
  sequence(ctx: RecordContext, tx?: pg.PoolClient): RecordSequence {
    const chunkCtx = { ...ctx, correlationId: ctx.correlationId ?? randomUUID() };
    return new RecordSequence(
      {
        decide: (records, identities, base) => this.decide(records, identities, chunkCtx, tx, base),
        append: (chunk) => this.append(chunk, tx),
        committed: () => this.directory.invalidate(),
      },
      tx !== undefined,
    );
  }

  /**
   * A chunk is first decided optimistically, without looking its ids up: new records are the common
   * case, and the store's unique event ids catch the others. If one turns out stored already, the
   * chunk is decided again with the look-up (idempotency before rules).
   */
  private async decide(records: AnyRecord[], identities: RecordIdentities, ctx: ChunkContext, tx?: pg.PoolClient, base?: ChunkDecision): Promise<ChunkDecision> {
    const optimistic = this.expectNew;
    const chunk = new ChunkDecision(records, identities, ctx, this.directory, this.pool, tx, optimistic, base);
    await chunk.decide();
    if (!optimistic) this.expectNew = !chunk.foundStored;
    return chunk;
  }

  /**
   * Appends a decided chunk; when its decision cannot stand (a record stored already, a race lost
   * without a caller's transaction) the chunk is decided again from stored state and appended.
   * Answers the outcomes and whether they are those of the decision given.
   */
  private async append(decided: ChunkDecision, tx?: pg.PoolClient): Promise<{ outcomes: RecordOutcome[]; asDecided: boolean }> {
    let chunk = decided;
    for (let attempt = 1; ; attempt++) {
      try {
        const outcomes = await chunk.append(this.store);
        // Committed unless in a caller's transaction: that one tells the sequence once it commits.
        if (chunk.appendsPlaces && !tx) this.directory.invalidate();
        return { outcomes, asDecided: chunk === decided && chunk.stood };
      } catch (error) {
        if (error instanceof AlreadyStored) {
          // A file sent again is stored all along: look ids up first until a chunk is all new.
          this.expectNew = false;
        } else {
          if (tx || attempt >= ATTEMPTS || !lostRace(error)) throw error;
          // The race may have been on a setup stream, whose versions come from the place directory.
          await this.directory.fresh();
        }
        chunk = await this.decide(chunk.records, chunk.identities, chunk.ctx, tx);
      }
    }
  }
}

/** How a sequence decides and appends its chunks (the service's, on the sequence's transaction if any). */
interface ChunkWriter {
  decide(records: AnyRecord[], identities: RecordIdentities, base?: ChunkDecision): Promise<ChunkDecision>;
  append(chunk: ChunkDecision): Promise<{ outcomes: RecordOutcome[]; asDecided: boolean }>;
  /** The caller's transaction committed: places it appended are now everyone's. */
  committed(): void;
}

/** A chunk of a sequence: its decision once it stands on the chunks before, and whether it was appended as so decided. */
interface Sequenced {
  decided: Promise<ChunkDecision>;
  appended: Promise<boolean>;
  /** The chunk before's `appended`: once settled, the log holds every chunk before this one. */
  before: Promise<unknown>;
}

/**
 * Chunks recorded in order: each is decided on the effects of the ones before and appended after
 * them. Without a caller's transaction a chunk is decided while the one before is still being
 * appended, on that chunk's decided stream states (the database and Node work side by side); that
 * early decision stands only if the chunk before was appended as decided, else the chunk is decided
 * again once it is. A chunk that fails fails every chunk after it, none of which is then appended.
 */
export class RecordSequence {
  private last?: Sequenced;

  /** `inTransaction`: every read and write goes through one client, so a chunk waits for the one before. */
  constructor(
    private readonly writer: ChunkWriter,
    private readonly inTransaction: boolean,
  ) {}

  /** After the caller's transaction committed (an atomic import): what its chunks appended is seen by everyone's next records. */
  committed(): void {
    if (this.inTransaction) this.writer.committed();
  }

  record(records: AnyRecord[], identities: RecordIdentities = RecordIdentities.of(records)): Promise<RecordOutcome[]> {
    const previous = this.last;
    let published!: (chunk: ChunkDecision) => void;
    let unpublished!: (error: unknown) => void;
    const decided = new Promise<ChunkDecision>((resolve, reject) => ((published = resolve), (unpublished = reject)));
    const done = (async () => {
      let early = false;
      let chunk: ChunkDecision | undefined;
      if (previous) {
        const base = await previous.decided;
        await previous.before;
        if (!this.inTransaction && base.canPrecede(records, identities)) {
          chunk = await this.writer.decide(records, identities, base);
          early = true;
        } else await previous.appended;
      }
      chunk ??= await this.writer.decide(records, identities);
      if (early && !(await previous!.appended)) chunk = await this.writer.decide(records, identities);
      // Published once it no longer depends on an early decision before it: a chunk decided again
      // does not make every chunk after it be decided twice.
      published(chunk);
      return this.writer.append(chunk);
    })();
    done.catch(unpublished); // a chunk that failed before its decision fails the ones after it
    decided.catch(() => undefined);
    const appended = done.then((result) => result.asDecided);
    appended.catch(() => undefined); // the caller sees a failure through the chunk's own promise
    this.last = { decided, appended, before: previous?.appended ?? Promise.resolve(true) };
    return done.then((result) => result.outcomes);
  }
}

/**
 * Independent reads: side by side on the pool (separate connections); one after another on a
 * caller's transaction, whose single client pg would otherwise queue them (deprecated in pg 8).
 */
async function reads<T extends unknown[]>(onOneClient: boolean, ...tasks: { [K in keyof T]: () => Promise<T[K]> }): Promise<T> {
  if (!onOneClient) return (await Promise.all(tasks.map((task) => task()))) as T;
  const results: unknown[] = [];
  for (const task of tasks) results.push(await task());
  return results as T;
}

const isUniqueViolation = (error: unknown): boolean => (error as { code?: string })?.code === '23505';

/** Someone appended the same stream or the same record between our read and our append. */
function lostRace(error: unknown): boolean {
  return error instanceof WrongExpectedVersionError || isUniqueViolation(error);
}

/** An optimistic chunk held a record stored before: decide it again with the look-up. */
class AlreadyStored extends Error {}

/** A record decided to be appended, or a repeat in the chunk of the one at `sameAs`. */
type Pending = { index: number } | { index: number; sameAs: number };

interface StoredRow {
  event_id: string;
  position: number;
  stream_id: string;
  type: string;
  hash: string | null;
  contact_free_hash: string | null;
  record_id: string;
  base: string | null;
  station: string | null;
  district: string | null;
}

/** One chunk, decided once: loads, decides in order; then appended. */
class ChunkDecision {
  private readonly outcomes: (RecordOutcome | undefined)[];
  private stored = new Map<string, StoredRow>();
  /** Whole states of keyed streams (case, group, household, volunteer, team). */
  private readonly states = new Map<string, ServiceStreamState>();
  /** Records of shared `services-` streams: base record id → its event and its corrections. */
  private readonly histories = new Map<string, { type: string; data: unknown }[]>();
  /** Versions of shared streams, for the exact expected version a correction appends with. */
  private readonly versions = new Map<string, number>();
  /** Stream and base record of each record accepted in this chunk (a later correction may name it). */
  private readonly accepted = new Map<string, { stream: StreamRef; base: string }>();
  private places!: Places;
  private keyring!: HouseholdKeyring;
  /** Of records stating a contact, by index: the hash as sent (events stored before contacts were fingerprinted) … */
  private readonly plainHashes = new Map<number, string>();
  /** … the hash without the contact, and whether the household's key is gone (erased). */
  private readonly contactFree = new Map<number, { hash: string; erased: boolean }>();
  private refreshed = false;
  private readonly localSetup: SetupEvent[] = [];
  private readonly db: pg.Pool | pg.PoolClient;
  private readonly hasCorrections: boolean;
  private readonly pending: Pending[] = [];
  /**
   * A chunk's first append, kept as a request: alone, it goes through the store's group commit
   * (concurrent HTTP commands share commits). From the second on, the appends are encoded as they
   * are decided (see BulkAppend) and their events are not kept past that.
   */
  private lone?: AppendRequest;
  private bulk?: BulkAppend;
  /** False once the append found a record decided as new stored already (a single record's path answers that itself). */
  stood = true;

  /** `base`: the chunk before, decided but maybe not appended yet; its stream states stand for stored ones. */
  constructor(
    readonly records: AnyRecord[],
    readonly identities: RecordIdentities,
    readonly ctx: ChunkContext,
    private readonly directory: PlaceDirectory,
    pool: pg.Pool,
    private readonly tx: pg.PoolClient | undefined,
    private readonly optimistic: boolean,
    private base?: ChunkDecision,
  ) {
    this.db = tx ?? pool;
    this.outcomes = new Array(records.length);
    this.hasCorrections = records.some((r) => r.kind === 'correction');
  }

  /** Whether the chunk holds setup records (places, contracts) it decided to append. */
  get appendsPlaces(): boolean {
    return this.localSetup.length > 0;
  }

  /**
   * Whether the next chunk may be decided on this one's decided states before it is appended: only
   * when nothing else of this chunk's is read by the next. Places (this chunk's setup records), the
   * stored records corrections look up, and this chunk's own ids (a repeat is known only once they
   * are stored) are read from the database.
   */
  canPrecede(records: readonly AnyRecord[], identities: RecordIdentities): boolean {
    if (this.appendsPlaces || this.hasCorrections || records.some((r) => r.kind === 'correction')) return false;
    const ids = new Set(this.identities.eventIds);
    return !identities.eventIds.some((id) => ids.has(id));
  }

  async decide(): Promise<void> {
    await this.load();
    const pending = this.pending;
    const firstIndex = new Map<string, number>(); // record id → index of its accepted occurrence in this chunk
    for (let index = 0; index < this.records.length; index++) {
      if (index > 0 && index % RECORDS_PER_TURN === 0) await nextTurn();
      const record = this.records[index]!;
      const earlier = firstIndex.get(record.id);
      if (earlier !== undefined) {
        if (this.identities.hashes[earlier] === this.identities.hashes[index]) pending.push({ index, sameAs: earlier });
        else this.outcomes[index] = { status: 'rejected', error: idConflict(record.id) };
        continue;
      }
      const stored = this.stored.get(this.identities.eventIds[index]!);
      if (stored) {
        this.outcomes[index] = this.repeatOf(record.id, index, stored);
        continue;
      }
      try {
        const decision = this.decideOrUndefined(record) ?? (await this.decideWithFreshPlaces(record));
        const denied = this.denial(record, placeOf(record, decision));
        if (denied) {
          this.outcomes[index] = { status: 'rejected', error: denied };
          continue;
        }
        this.apply(record, decision);
        const request = this.requestFor(index, decision);
        pending.push({ index });
        this.keep(request);
        firstIndex.set(record.id, index);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        this.outcomes[index] = { status: 'rejected', error: this.refusal(record, error) };
      }
    }
    if (this.optimistic) await this.recheckRejected();
  }

  /**
   * A record refused by a rule that the caller may not record there anyway is refused for access
   * (403), so a rule's answer tells nothing about places outside the caller's scope.
   */
  private refusal(record: AnyRecord, error: DomainError): DomainError {
    const target = record.kind === 'correction' ? this.stored.get(recordEventId(record.corrects)) : undefined;
    const place = record.kind === 'correction' ? { station: target?.station ?? undefined, district: target?.district ?? undefined } : (record as RecordTarget);
    // A correction is placed by its record's station: a setup record (a district) has none, and its rule's answer stands.
    if (!(place.station || (record.kind !== 'correction' && place.district))) return error;
    return this.denial(record, place) ?? error;
  }

  /** The caller's refusal of a record at a place, if any (asked once per record). */
  private denial(record: AnyRecord, place: RecordTarget): DomainError | undefined {
    try {
      this.ctx.authorize?.(record, place);
      return undefined;
    } catch (denied) {
      if (denied instanceof DomainError) return denied;
      throw denied;
    }
  }

  /** A refused record may only be refused because it is stored already: then it is a repeat. */
  private async recheckRejected(): Promise<void> {
    const rejected = this.outcomes.flatMap((outcome, index) => (outcome?.status === 'rejected' ? [index] : []));
    if (rejected.length === 0) return;
    const stored = await this.lookup(rejected.map((index) => this.identities.eventIds[index]!));
    for (const index of rejected) {
      const row = stored.get(this.identities.eventIds[index]!);
      if (row) this.outcomes[index] = this.repeatOf(this.records[index]!.id, index, row);
    }
  }

  private async lookup(eventIds: string[]): Promise<Map<string, StoredRow>> {
    if (eventIds.length === 0) return new Map();
    const { rows } = await this.db.query<StoredRow>(
      `SELECT event_id, position, stream_id, type, metadata->>'contentHash' AS hash, metadata->>'contactFreeHash' AS contact_free_hash, metadata->>'recordId' AS record_id,
              CASE WHEN type = 'RecordCorrected' THEN data->>'base' END AS base, metadata->>'station' AS station, metadata->>'district' AS district
         FROM es_events WHERE event_id = ANY($1::uuid[])`,
      [eventIds],
    );
    return new Map(rows.map((r) => [r.event_id, r]));
  }

  /** Whether records of this chunk were found stored (known only when not optimistic). */
  get foundStored(): boolean {
    return this.identities.eventIds.some((id) => this.stored.has(id));
  }

  /**
   * A record stating a contact in plain is hashed with the contact's keyed fingerprint in its place
   * (see contactHashing), now that the household keys are loaded. Kept beside it: its hash as sent
   * (events stored before), and its hash without the contact, which answers a re-sent record once
   * the household is erased and its contact can no longer be compared.
   */
  private hashContacts(indexes: readonly number[]): void {
    for (const index of indexes) {
      const record = this.records[index]!;
      const hashing = contactHashing(record, this.keyring);
      if (!hashing) continue;
      this.plainHashes.set(index, contentHash(record));
      this.contactFree.set(index, { hash: contentHash(hashing.contactFree), erased: hashing.erased });
      this.identities.hashes[index] = contentHash(hashing.keyed);
    }
  }

  private repeatOf(recordId: string, index: number, stored: { position: number; hash: string | null; contact_free_hash?: string | null }): RecordOutcome {
    const contactFree = this.contactFree.get(index);
    const same =
      stored.hash === this.identities.hashes[index] ||
      stored.hash === this.plainHashes.get(index) ||
      (contactFree?.erased === true && stored.contact_free_hash === contactFree.hash);
    return same ? { status: 'duplicate', position: stored.position } : { status: 'rejected', error: idConflict(recordId) };
  }

  /**
   * Three reads at most: the records already stored (the ids corrections name, and unless
   * optimistic this chunk's ids), the keyed streams the chunk touches, and — only when it holds
   * corrections — the shared streams' versions and the histories of the records corrected there.
   */
  private async load(): Promise<void> {
    const wanted = new Set(this.optimistic ? [] : this.identities.eventIds);
    const withContact: number[] = [];
    this.records.forEach((record, index) => {
      if (statesContact(record)) withContact.push(index);
      if (record.kind === 'correction') wanted.add(recordEventId(record.corrects));
    });
    // A repeat of a record stating a contact is told by its stored row (the store's answer holds one hash only).
    for (const index of withContact) wanted.add(this.identities.eventIds[index]!);
    [this.stored, this.places, this.keyring] = await reads(
      this.tx !== undefined,
      () => this.lookup([...wanted]),
      () => this.directory.current(this.tx),
      () => loadHouseholdKeyring(this.db, householdsWithContact(withContact.map((index) => this.records[index]!))),
    );
    this.hashContacts(withContact);

    const keyed = new Set<string>();
    const shared = new Set<string>();
    const sharedBases = new Set<string>();
    this.records.forEach((record, index) => {
      if (this.stored.has(this.identities.eventIds[index]!)) return;
      if (record.kind === 'correction') {
        const target = this.stored.get(recordEventId(record.corrects));
        if (!target || !isServiceStreamEvent(target.type)) return;
        if (target.stream_id.startsWith(`${SHARED_STREAM_TYPE}-`)) {
          shared.add(target.stream_id);
          sharedBases.add(target.base ?? target.record_id);
        } else keyed.add(target.stream_id);
      } else if (isServiceKind(record.kind)) {
        const stream = serviceStreamOf(record as ServiceRecordBody);
        (stream.type === SHARED_STREAM_TYPE ? shared : keyed).add(stream.id);
      }
    });
    const before = this.base?.states;
    this.base = undefined; // not held: each chunk would hold the whole sequence before it
    await reads(
      this.tx !== undefined,
      async () => keyed.size > 0 && this.loadKeyed([...keyed], before),
      async () => this.hasCorrections && shared.size > 0 && this.loadShared([...shared], [...sharedBases]),
    );
  }

  /** Streams the chunk before decided are taken as it left them; the others are read. */
  private async loadKeyed(streams: string[], before: ReadonlyMap<string, ServiceStreamState> | undefined): Promise<void> {
    const unread = before ? streams.filter((id) => !before.has(id)) : streams;
    if (before) for (const id of streams) if (before.has(id)) this.states.set(id, before.get(id)!);
    if (unread.length === 0) return;
    // One index look-up per stream (OFFSET 0 keeps the planner from turning it into a join over the log).
    // As `stream_id = ANY($1)`, a log not yet analysed (a first import's, growing by the chunk) was
    // estimated at 0.5% of its rows per id: hundreds of ids made each chunk scan the whole log.
    const { rows } = await this.db.query<{ stream_id: string; type: string; data: unknown }>(
      `SELECT u.id AS stream_id, e.type, e.data FROM unnest($1::text[]) WITH ORDINALITY AS u(id, n)
        CROSS JOIN LATERAL (SELECT type, data, stream_version FROM es_events WHERE stream_id = u.id OFFSET 0) e
        ORDER BY u.n, e.stream_version`,
      [unread],
    );
    for (const event of rows) {
      this.states.set(event.stream_id, evolveServiceStream(this.states.get(event.stream_id) ?? EMPTY_STREAM, event));
    }
  }

  private async loadShared(streams: string[], bases: string[]): Promise<void> {
    const [{ rows: versions }, { rows: events }] = await reads(
      this.tx !== undefined,
      () =>
        this.db.query<{ stream_id: string; version: number }>('SELECT stream_id, version FROM es_streams WHERE stream_id = ANY($1::text[])', [
          streams,
        ]),
      async () =>
        bases.length === 0
          ? { rows: [] }
          : this.db.query<{ type: string; data: { recordId: string; base?: string } }>(
              `SELECT type, data FROM es_events
                WHERE stream_id = ANY($1::text[]) AND (metadata->>'recordId' = ANY($2::text[]) OR data->>'base' = ANY($2::text[]))
                ORDER BY position`,
              [streams, bases],
            ),
    );
    for (const { stream_id, version } of versions) this.versions.set(stream_id, version);
    for (const event of events) this.historyOf(event.data.base ?? event.data.recordId).push(event);
  }

  private historyOf(base: string): { type: string; data: unknown }[] {
    let history = this.histories.get(base);
    if (!history) this.histories.set(base, (history = []));
    return history;
  }

  /**
   * Decides against the places as known; undefined when the record names a place not seen yet
   * and the directory was not reloaded in this chunk (a synchronous path for the common case).
   */
  private decideOrUndefined(record: AnyRecord): Decision | undefined {
    try {
      return this.decideWith(record);
    } catch (error) {
      if (this.refreshed || !isPlaceError(error)) throw error;
      return undefined;
    }
  }

  private async decideWithFreshPlaces(record: AnyRecord): Promise<Decision> {
    this.refreshed = true;
    const fresh = await this.directory.fresh(this.tx);
    this.places = this.localSetup.reduce(evolvePlaces, fresh);
    return this.decideWith(record);
  }

  private decideWith(record: AnyRecord): Decision {
    if (isSetupRecord(record)) return decideSetup(record, this.places);
    if (record.kind === 'correction') {
      const { stream, base } = this.corrected(record.corrects);
      return decideCorrection(record, this.places, stream, this.stateFor(stream, base));
    }
    const stream = serviceStreamOf(record as ServiceRecordBody);
    return decideService(record, this.places, this.states.get(stream.id) ?? EMPTY_STREAM);
  }

  private stateFor(stream: StreamRef, base: string): ServiceStreamState {
    if (stream.type !== SHARED_STREAM_TYPE) return this.states.get(stream.id) ?? EMPTY_STREAM;
    const history = (this.histories.get(base) ?? []).reduce(evolveServiceStream, EMPTY_STREAM);
    return { ...history, version: this.versions.get(stream.id) ?? 0 };
  }

  /** The stream and base record of what a correction names: from this chunk, or as stored. */
  private corrected(corrects: string): { stream: StreamRef; base: string } {
    const local = this.accepted.get(corrects);
    if (local) return local;
    const stored = this.stored.get(recordEventId(corrects));
    if (!stored) throw invariant('unknown_record', `no service record or correction "${corrects}" to correct`);
    if (!isServiceStreamEvent(stored.type)) {
      throw invariant('not_a_service_record', `record "${corrects}" is a ${stored.type} (setup): corrections apply to service records`);
    }
    const type = stored.stream_id.slice(0, stored.stream_id.indexOf('-'));
    return { stream: { id: stored.stream_id, type }, base: stored.base ?? stored.record_id };
  }

  private apply(record: AnyRecord, decision: Decision): void {
    if (isSetupRecord(record)) {
      const event = decision.event as SetupEvent;
      this.localSetup.push(event);
      this.places = evolvePlaces(this.places, event);
      return;
    }
    const { stream, event } = decision;
    const base = event.type === 'RecordCorrected' ? event.data.base : record.id;
    // Only a correction of this chunk can name a record accepted in it.
    if (this.hasCorrections) this.accepted.set(record.id, { stream, base });
    if (stream.type === SHARED_STREAM_TYPE) {
      this.versions.set(stream.id, (this.versions.get(stream.id) ?? 0) + 1);
      // Histories are only read by corrections: plain records of a chunk without any are not kept.
      if (this.hasCorrections) this.historyOf(base).push(event);
    } else {
      this.states.set(stream.id, evolveServiceStream(this.states.get(stream.id) ?? EMPTY_STREAM, event));
    }
  }

  private requestFor(index: number, decision: Decision): AppendRequest {
    const record = this.records[index]!;
    const event = protectPersonalData(decision.event, this.keyring);
    const newEvent: NewEvent = {
      eventId: this.identities.eventIds[index]!,
      type: event.type,
      data: event.data,
      metadata: {
        actor: this.ctx.actor,
        correlationId: this.ctx.correlationId,
        recordId: record.id,
        contentHash: this.identities.hashes[index]!,
        contactFreeHash: this.contactFree.get(index)?.hash,
        district: decision.district,
        station: decision.station,
      },
    };
    const expected = decision.expectedVersion;
    return { streamId: decision.stream.id, streamType: decision.stream.type, expectedVersion: expected === 0 ? 'no_stream' : expected, events: [newEvent] };
  }

  private keep(request: AppendRequest): void {
    if (!this.lone && !this.bulk) {
      this.lone = request;
      return;
    }
    if (!this.bulk) {
      this.bulk = new BulkAppend();
      this.bulk.add(this.lone!);
      this.lone = undefined;
    }
    this.bulk.add(request);
  }

  /**
   * One record alone goes through the store's group commit (concurrent HTTP commands share
   * commits); more go through the COPY path in one transaction (the caller's, or their own).
   */
  async append(store: PgEventStore): Promise<RecordOutcome[]> {
    const pending = this.pending;
    const appends = pending.filter((p) => !('sameAs' in p));
    if (appends.length === 1 && !this.tx) {
      const { index } = appends[0]!;
      const result = await store.append(this.lone!);
      this.stood = result.status === 'appended';
      this.outcomes[index] =
        result.status === 'appended'
          ? { status: 'accepted', position: result.positions[0]! }
          : this.repeatOf(this.records[index]!.id, index, { position: result.position, hash: result.contentHash });
    } else if (appends.length > 0) {
      const { first } = await this.appendBulk(store);
      appends.forEach((a, k) => (this.outcomes[a.index] = { status: 'accepted', position: first + k }));
    }
    for (const p of pending) {
      if (!('sameAs' in p)) continue;
      const original = this.outcomes[p.sameAs]!;
      this.outcomes[p.index] = original.status === 'rejected' ? original : { status: 'duplicate', position: original.position };
    }
    return this.outcomes as RecordOutcome[];
  }

  /** In the caller's transaction an optimistic COPY runs under a savepoint, so a stored id costs only this attempt. */
  private async appendBulk(store: PgEventStore): Promise<{ first: number; last: number }> {
    const savepoint = this.tx && this.optimistic ? this.tx : undefined;
    await savepoint?.query('SAVEPOINT recording_chunk');
    try {
      const appended = await store.appendBulk(this.bulk ?? BulkAppend.of([this.lone!]), this.tx);
      await savepoint?.query('RELEASE SAVEPOINT recording_chunk');
      return appended;
    } catch (error) {
      await savepoint?.query('ROLLBACK TO SAVEPOINT recording_chunk');
      throw this.optimistic && isUniqueViolation(error) ? new AlreadyStored() : error;
    }
  }
}

/** Where a decided record lands: a correction's community is the corrected record's. */
function placeOf(record: AnyRecord, decision: Decision): RecordTarget {
  const before = (decision.event.data as { before?: { community?: string } | null }).before;
  return { station: decision.station, district: decision.district, community: (record as { community?: string }).community ?? before?.community };
}

function idConflict(recordId: string): DomainError {
  return conflict('record_id_reused', `record id "${recordId}" was already used for other content: a new record needs a new id`);
}
