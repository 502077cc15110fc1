import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Kafka, IHeaders } from 'kafkajs';
import { createKafka, logLevel } from '@app/messaging';

const run = promisify(execFile);
export const ROOT = resolve(import.meta.dirname, '../../..');
const SCRIPT = join(ROOT, 'deploy/kafka/kafka.sh');

/** The broker the tests use: KAFKA_BROKERS, else the one deploy/kafka/kafka.sh starts. */
export const BROKERS = (process.env.KAFKA_BROKERS || '127.0.0.1:9092').split(',').map((b) => b.trim());

export const kafkaClient = (brokers: readonly string[] = BROKERS, clientId = 'test') =>
  createKafka({ brokers, clientId, logLevel: logLevel.NOTHING });

export const uniqueName = (prefix: string) => `${prefix}.${randomBytes(5).toString('hex')}`;

function tcpReachable(address: string, timeoutMs = 1500): Promise<boolean> {
  const [host, port] = address.split(':');
  return new Promise((done) => {
    const socket = createConnection({ host, port: Number(port) });
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

/** Whether a broker answers (a metadata request, not just an open port). */
export async function brokerAvailable(brokers: readonly string[] = BROKERS): Promise<string | undefined> {
  if (!(await tcpReachable(brokers[0]!))) return `no Kafka broker at ${brokers.join(',')}`;
  const admin = kafkaClient(brokers).admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return undefined;
  } catch (error) {
    return `Kafka at ${brokers.join(',')} does not answer: ${(error as Error).message}`;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export interface ReadMessage {
  partition: number;
  offset: number;
  key: string;
  value: Buffer;
  headers: IHeaders;
}

/**
 * Reads a topic from the beginning as an outside consumer would (own consumer group), until
 * `enough` holds or the time runs out; returns the messages in partition-offset order.
 */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  enough: (messages: ReadMessage[]) => boolean,
  timeoutMs = 30000,
): Promise<ReadMessage[]> {
  const messages: ReadMessage[] = [];
  const consumer = kafka.consumer({ groupId: uniqueName('reader'), sessionTimeout: 10000, heartbeatInterval: 500 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let satisfied!: () => void;
  const done = new Promise<void>((resolve) => (satisfied = resolve));
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      messages.push({
        partition,
        offset: Number(message.offset),
        key: message.key?.toString('utf8') ?? '',
        value: message.value ?? Buffer.alloc(0),
        headers: message.headers ?? {},
      });
      if (enough(messages)) satisfied();
    },
  });
  const timer = setTimeout(satisfied, timeoutMs);
  await done;
  clearTimeout(timer);
  await consumer.disconnect();
  return messages.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

/** Java and the broker jars (or Maven to fetch them) are here: a private broker can be started. */
export async function canStartBroker(): Promise<string | undefined> {
  try {
    await run('java', ['-version']);
    return undefined;
  } catch {
    return 'no Java to start a private broker';
  }
}

/**
 * A broker of its own (other port, other data folder) that a test may stop and start at will
 * without disturbing the shared one other tests use.
 */
export class PrivateBroker {
  readonly port = 20000 + Math.floor(Math.random() * 4000) * 2;
  private dir?: string;

  get brokers(): string[] {
    return [`127.0.0.1:${this.port}`];
  }

  private async script(command: 'start' | 'stop'): Promise<void> {
    this.dir ??= await mkdtemp(join(tmpdir(), 'socialwork-kafka-'));
    await run(SCRIPT, [command], {
      env: { ...process.env, KAFKA_PORT: String(this.port), KAFKA_RUN_DIR: this.dir, KAFKA_HEAP: '256m' },
      timeout: 120000,
    });
  }

  start = () => this.script('start');
  stop = () => this.script('stop');

  async destroy(): Promise<void> {
    await this.stop().catch(() => undefined);
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
