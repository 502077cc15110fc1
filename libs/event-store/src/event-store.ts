import type pg from 'pg';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import copyStreams from 'pg-copy-streams';
import { CopyChunk, copyText } from '@app/database';
import { WrongExpectedVersionError, InvalidEventError } from './errors.js';
import { APPEND_LOCK, APPENDED_CHANNEL } from './schema.js';
import { Upcasters } from './upcasting.js';
import { EVENT_TYPE_NAME, type AppendRequest, type AppendResult, type DomainEvent, type NewEvent, type StoredEvent } from './types.js';

/** One row of es_append_batch per append (see the 0002 migration). */
interface RawResult {
  outcome: 'a' | 'd' | 'c';
  version: number | string | null;
  first_position: number | string | null;
  event_id: string | null;
  content_hash: string | null;
}

interface Pending {
  request: AppendRequest;
  resolve: (result: AppendResult) => void;
  reject: (error: Error) => void;
}

interface EventRow {
  position: number;
  event_id: string;
  stream_id: string;
  stream_version: number;
  type: string;
  schema_version: number;
  data: unknown;
  metadata: StoredEvent['metadata'];
  recorded_at: Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const APPEND = 'SELECT outcome, version, first_position, event_id, content_hash FROM es_append_batch($1, $2, $3, $4, $5, $6, $7, $8, $9)';
const COLUMNS = 'position, event_id, stream_id, stream_version, type, schema_version, data, metadata, recorded_at';

export interface EventStoreOptions {
  upcasters?: Upcasters;
  /** Most stream appends grouped into one commit. */
  maxBatch?: number;
}

export interface ReadAllOptions {
  after: number;
  limit?: number;
  /** Up to and including this position (e.g. an as-of replay). */
  upTo?: number;
  types?: readonly string[];
}

/**
 * PostgreSQL event store. Concurrent `append` calls are grouped into shared commits (group commit):
 * while one batch is being written the next calls queue, and the next batch takes them all. Each
 * append in a batch keeps its own expected-version check and its own outcome.
 */
export class PgEventStore {
  private readonly upcasters: Upcasters;
  private readonly maxBatch: number;
  private queue: Pending[] = [];
  private flushing = false;

  constructor(
    private readonly pool: pg.Pool,
    options: EventStoreOptions = {},
  ) {
    this.upcasters = options.upcasters ?? new Upcasters();
    this.maxBatch = options.maxBatch ?? 256;
  }

  /** Appends to one stream; rejects with WrongExpectedVersionError on a stale version. */
  append(request: AppendRequest): Promise<AppendResult> {
    try {
      validateRequest(request);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          const results = await this.appendBatch(batch.map((p) => p.request));
          batch.forEach((pending, i) => settle(pending, results[i]!));
        } catch (error) {
          if (batch.length === 1) {
            batch[0]!.reject(error as Error);
          } else {
            // Something in the batch broke the whole statement: retry each alone so only its owner fails.
            for (const pending of batch) {
              await this.appendBatch([pending.request]).then(
                ([result]) => settle(pending, result!),
                (alone: Error) => pending.reject(alone),
              );
            }
          }
        }
        // Callers just settled append their next events in their continuations: let those run so
        // they join the next batch instead of each starting a commit of its own. A nextTick comes once
        // the promise continuations have drained, without waiting a turn of the event loop as
        // setImmediate did (a sequential writer paid that turn on every append).
        await new Promise<void>((resolve) => process.nextTick(resolve));
      }
    } finally {
      this.flushing = false;
    }
  }

  private async appendBatch(requests: AppendRequest[]): Promise<RawResult[]> {
    const streamIds: string[] = [];
    const streamTypes: string[] = [];
    const expected: (number | null)[] = [];
    const counts: number[] = [];
    const eventIds: string[] = [];
    const types: string[] = [];
    const schemaVersions: number[] = [];
    const data: unknown[] = [];
    const metadata: unknown[] = [];
    for (const r of requests) {
      streamIds.push(r.streamId);
      streamTypes.push(r.streamType);
      expected.push(r.expectedVersion === 'any' ? null : r.expectedVersion === 'no_stream' ? 0 : r.expectedVersion);
      counts.push(r.events.length);
      for (const e of r.events) {
        eventIds.push(e.eventId);
        types.push(e.type);
        schemaVersions.push(e.schemaVersion ?? 1);
        data.push(e.data);
        metadata.push(e.metadata);
      }
    }
    // Named: each connection parses and plans the call once, not on every append.
    const { rows } = await this.pool.query<RawResult>({
      name: 'es_append_batch',
      text: APPEND,
      values: [streamIds, streamTypes, expected, counts, eventIds, types, schemaVersions, JSON.stringify(data), JSON.stringify(metadata)],
    });
    return rows;
  }

  /**
   * Bulk path for imports: many streams, one transaction, rows streamed with COPY. All or nothing:
   * a stale expected version or an already stored event id fails the whole call. The appends may come
   * encoded already (BulkAppend).
   *
   * Five round trips in its own transaction (begin with the lock; versions with the positions; COPY;
   * stream rows with the notification; commit): an import's chunk waits on each reply in turn, while
   * its parser keeps the process busy. Positions are reserved before the versions are checked, so a
   * refused call leaves a gap in them, which readers never wait for.
   */
  async appendBulk(appends: readonly AppendRequest[] | BulkAppend, client?: pg.PoolClient): Promise<{ first: number; last: number }> {
    const bulk = appends instanceof BulkAppend ? appends : BulkAppend.of(appends);
    const { appends: requests } = bulk;
    const total = bulk.eventCount;
    if (total === 0) return { first: 0, last: -1 };
    const own = !client;
    const conn = client ?? (await this.pool.connect());
    try {
      // The lock before the versions are read: a statement reads what was committed when it began.
      await conn.query(`${own ? 'BEGIN; ' : ''}SELECT pg_advisory_xact_lock(${APPEND_LOCK})`);
      const streamIds = [...new Set(requests.map((r) => r.streamId))];
      const { rows } = await conn.query<{ streams: [string, number][]; last: number; now: Date }>(
        `SELECT (SELECT coalesce(json_agg(json_build_array(stream_id, version)), '[]') FROM es_streams WHERE stream_id = ANY($1::text[])) AS streams,
                setval('es_position', nextval('es_position') + $2 - 1) AS last, clock_timestamp() AS now`,
        [streamIds, total],
      );
      const { streams, last } = rows[0]!;
      const versions = new Map(streams);
      const start = new Map(versions);
      const types = new Map<string, string>();
      for (const r of requests) {
        const actual = versions.get(r.streamId) ?? 0;
        if (!start.has(r.streamId)) start.set(r.streamId, 0);
        checkExpected(r, actual);
        versions.set(r.streamId, actual + r.count);
        types.set(r.streamId, r.streamType);
      }
      const first = last - total + 1;
      await pipeline(
        Readable.from(bulk.rows(first, start, rows[0]!.now.toISOString())),
        conn.query(copyStreams.from(`COPY es_events (${BULK_COPY_COLUMNS}) FROM STDIN`)),
      );
      await conn.query(
        `WITH streams AS (
           INSERT INTO es_streams (stream_id, stream_type, version)
           SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
           ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version)
         SELECT pg_notify('${APPENDED_CHANNEL}', '')`,
        [[...types.keys()], [...types.values()], [...types.keys()].map((id) => versions.get(id)!)],
      );
      if (own) await conn.query('COMMIT');
      return { first, last };
    } catch (error) {
      if (own) await conn.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      if (own) conn.release();
    }
  }

  async readStream<E extends DomainEvent = DomainEvent>(streamId: string): Promise<StoredEvent<E>[]> {
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${COLUMNS} FROM es_events WHERE stream_id = $1 ORDER BY stream_version`,
      [streamId],
    );
    return rows.map((row) => this.toEvent<E>(row));
  }

  /** Events in global order after a position: what catch-up subscriptions and the relay read. */
  async readAll<E extends DomainEvent = DomainEvent>(
    options: ReadAllOptions,
    executor: Pick<pg.Pool, 'query'> = this.pool,
  ): Promise<StoredEvent<E>[]> {
    const params: unknown[] = [options.after, options.limit ?? 1000, options.upTo ?? Number.MAX_SAFE_INTEGER];
    let filter = '';
    if (options.types) {
      params.push(options.types);
      filter = 'AND type = ANY($4::text[])';
    }
    const { rows } = await executor.query<EventRow>(
      `SELECT ${COLUMNS} FROM es_events WHERE position > $1 AND position <= $3 ${filter} ORDER BY position LIMIT $2`,
      params,
    );
    return rows.map((row) => this.toEvent<E>(row));
  }

  /**
   * A page of events after a reader's checkpoint, and where the checkpoint goes once they are handled.
   * With a type filter it may move past events of other types: up to the head seen before the read
   * (positions follow commit order, so nothing at or below it can still appear), so a reader whose
   * types are not the newest still reaches the head.
   */
  async readPage<E extends DomainEvent = DomainEvent>(
    options: { after: number; limit: number; types?: readonly string[] },
    executor: Pick<pg.Pool, 'query'> = this.pool,
  ): Promise<{ events: StoredEvent<E>[]; next: number }> {
    const head = options.types ? await this.headPosition(executor) : undefined;
    const events = await this.readAll<E>({ ...options, upTo: head }, executor);
    const last = events.at(-1)?.position ?? options.after;
    return { events, next: events.length === options.limit || head === undefined ? last : Math.max(options.after, head) };
  }

  async headPosition(executor: Pick<pg.Pool, 'query'> = this.pool): Promise<number> {
    const { rows } = await executor.query<{ p: number | null }>('SELECT max(position) AS p FROM es_events');
    return rows[0]!.p ?? 0;
  }

  async streamVersion(streamId: string): Promise<number> {
    const { rows } = await this.pool.query<{ version: number }>('SELECT version FROM es_streams WHERE stream_id = $1', [
      streamId,
    ]);
    return rows[0]?.version ?? 0;
  }

  /** The event stored under an id, if any (idempotency look-ups). */
  async findEvent(eventId: string): Promise<StoredEvent | undefined> {
    const { rows } = await this.pool.query<EventRow>(`SELECT ${COLUMNS} FROM es_events WHERE event_id = $1`, [eventId]);
    return rows[0] && this.toEvent(rows[0]);
  }

  private toEvent<E extends DomainEvent>(row: EventRow): StoredEvent<E> {
    const { schemaVersion, data } = this.upcasters.apply(row.type, row.schema_version, row.data);
    return {
      position: row.position,
      eventId: row.event_id,
      streamId: row.stream_id,
      streamVersion: row.stream_version,
      type: row.type as E['type'],
      schemaVersion,
      data: data as E['data'],
      metadata: row.metadata,
      recordedAt: row.recorded_at,
    };
  }
}

function settle(pending: Pending, raw: RawResult): void {
  const { request } = pending;
  // Number(): bigint columns arrive as numbers or strings (or BigInts) depending on the pool's type parsers.
  switch (raw.outcome) {
    case 'a': {
      const first = Number(raw.first_position);
      const positions = Array.from({ length: request.events.length }, (_, k) => first + k);
      pending.resolve({ status: 'appended', streamId: request.streamId, nextVersion: Number(raw.version), positions });
      return;
    }
    case 'd':
      pending.resolve({
        status: 'duplicate',
        streamId: request.streamId,
        eventId: raw.event_id!,
        position: Number(raw.first_position),
        contentHash: raw.content_hash,
      });
      return;
    case 'c':
      pending.reject(new WrongExpectedVersionError(request.streamId, expectedOf(request), Number(raw.version)));
  }
}

function expectedOf(request: Pick<AppendRequest, 'expectedVersion'>): number | 'no_stream' {
  return request.expectedVersion === 'any' ? -1 : request.expectedVersion;
}

function checkExpected(request: Pick<AppendRequest, 'streamId' | 'expectedVersion'>, actual: number): void {
  const expected = request.expectedVersion;
  if (expected === 'any') return;
  if ((expected === 'no_stream' && actual !== 0) || (typeof expected === 'number' && expected !== actual)) {
    throw new WrongExpectedVersionError(request.streamId, expectedOf(request), actual);
  }
}

function validateRequest(request: AppendRequest): void {
  if (!request.streamId) throw new InvalidEventError('an append needs a stream id');
  if (!request.streamType) throw new InvalidEventError(`stream ${request.streamId} needs a stream type`);
  if (request.events.length === 0) throw new InvalidEventError(`append to ${request.streamId} has no events`);
  const { expectedVersion } = request;
  if (typeof expectedVersion === 'number' && (!Number.isInteger(expectedVersion) || expectedVersion < 0)) {
    throw new InvalidEventError(`expected version ${expectedVersion} is not a version`);
  }
  for (const event of request.events) validateEvent(event);
}

function validateEvent(event: NewEvent): void {
  if (!UUID.test(event.eventId)) throw new InvalidEventError(`event id ${event.eventId} is not a UUID`);
  if (!EVENT_TYPE_NAME.test(event.type)) throw new InvalidEventError(`event type "${event.type}" is not a PascalCase name`);
  if (event.data === undefined) throw new InvalidEventError(`event ${event.type} has no data`);
  if (!event.metadata?.actor) throw new InvalidEventError(`event ${event.type} has no actor`);
  if (event.schemaVersion !== undefined && (!Number.isInteger(event.schemaVersion) || event.schemaVersion < 1)) {
    throw new InvalidEventError(`event ${event.type} has schema version ${event.schemaVersion}`);
  }
}

const COPY_CHUNK = 1 << 20;

/** The columns of a bulk append's COPY rows: those known when its events are encoded first. */
export const BULK_COPY_COLUMNS = 'event_id, stream_id, type, schema_version, data, metadata, stream_version, position, recorded_at';

/**
 * A bulk append's events, checked, and encoded as COPY text ahead of the append but for the columns
 * the append decides under its lock (stream version, position, time). Encoding is most of the
 * process's work in an append: an import encodes each chunk while deciding it (`add`), so the chunk
 * before's append, which every chunk waits for, only copies bytes. Appends given whole (`of`) are
 * encoded as their rows are sent instead, while the server reads the rows before them.
 */
export class BulkAppend {
  /** Each append without its events: what the append checks and counts. */
  readonly appends: (Omit<AppendRequest, 'events'> & { count: number })[] = [];
  private readonly encoded = new CopyChunk(1 << 12);
  /**
   * One string per stream id: callers make an id per event (often a tree of joined pieces), and a
   * bulk is held until appended, so a copy kept per event was garbage collection's work.
   */
  private readonly streamIds = new Map<string, string>();
  /** Where each event's encoded columns end in `encoded`. */
  private readonly ends: number[] = [];
  private bytes?: Buffer;
  /** The requests of a bulk given whole, encoded only as their rows are sent. */
  private whole?: readonly AppendRequest[];
  private events = 0;

  static of(requests: readonly AppendRequest[]): BulkAppend {
    const bulk = new BulkAppend();
    for (const request of requests) bulk.check(request);
    bulk.whole = requests;
    return bulk;
  }

  add(request: AppendRequest): void {
    if (this.bytes || this.whole) throw new Error('a bulk append is complete once given whole or once its rows were read');
    const streamColumn = copyText(this.check(request));
    for (const e of request.events) {
      this.encoded.add(eventColumns(e, streamColumn));
      this.ends.push(this.encoded.size);
    }
  }

  get eventCount(): number {
    return this.events;
  }

  /**
   * The COPY rows (BULK_COPY_COLUMNS) in 1 MiB buffers: positions from `firstPosition` on, versions
   * after each stream's in `versions` (which it advances). What a bulk append sends; the benchmark
   * times sending the same bytes alone.
   */
  *rows(firstPosition: number, versions: Map<string, number>, recordedAt: string): Generator<Buffer> {
    const bytes = this.whole ? undefined : (this.bytes ??= this.encoded.take());
    const chunk = new CopyChunk(COPY_CHUNK);
    let position = firstPosition;
    let start = 0;
    let k = 0;
    for (let i = 0; i < this.appends.length; i++) {
      const r = this.appends[i]!;
      let version = versions.get(r.streamId)!;
      const streamColumn = bytes ? '' : copyText(r.streamId);
      for (let n = 0; n < r.count; n++, k++) {
        if (bytes) {
          const end = this.ends[k]!;
          chunk.addBytes(bytes.subarray(start, end));
          start = end;
        } else chunk.add(eventColumns(this.whole![i]!.events[n]!, streamColumn));
        chunk.add(`${++version}\t${position++}\t${recordedAt}\n`);
        if (chunk.full) yield chunk.take();
      }
      versions.set(r.streamId, version);
    }
    if (!chunk.empty) yield chunk.take();
  }

  /** Checks a request and notes it; answers its stream id as kept. */
  private check(request: AppendRequest): string {
    validateRequest(request);
    let streamId = this.streamIds.get(request.streamId);
    if (streamId === undefined) this.streamIds.set(request.streamId, (streamId = request.streamId));
    this.appends.push({ streamId, streamType: request.streamType, expectedVersion: request.expectedVersion, count: request.events.length });
    this.events += request.events.length;
    return streamId;
  }
}

/** An event's COPY columns up to its stream version (BULK_COPY_COLUMNS), with their tabs; the stream id comes escaped (once per append). */
const eventColumns = (e: NewEvent, streamColumn: string): string =>
  `${e.eventId}\t${streamColumn}\t${e.type}\t${e.schemaVersion ?? 1}\t${copyJson(e.data)}\t${copyJson(e.metadata)}\t`;

/** JSON text never holds a raw tab or line break (JSON.stringify escapes them): only backslashes need doubling. */
function copyJson(value: unknown): string {
  const json = JSON.stringify(value);
  return json.includes('\\') ? json.replaceAll('\\', '\\\\') : json;
}
