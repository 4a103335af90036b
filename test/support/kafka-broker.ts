import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { dockerReachable } from './docker';
import { freePort } from './free-port';

/** A Kafka broker the tests can use. `stop()` releases whatever was started for it (nothing for an external one). */
export interface KafkaBroker {
  brokers: string[];
  source: string;
  stop(): Promise<void>;
}

/** A single-node KRaft broker run as a local `java` process (see test/support/kafka/pom.xml). */
export interface LocalKafkaBroker extends KafkaBroker {
  readonly dataDir: string;
  /** Stops the broker (SIGTERM, then SIGKILL after 20 s) and starts it again on the same ports and data folder, waiting until it serves. */
  restart(): Promise<void>;
}

export interface LocalKafkaOptions {
  /** Holds the configuration, the broker's log (broker.log) and its data (kafka-logs/); kept by stop(). */
  dataDir: string;
  /** The PLAINTEXT port on 127.0.0.1; a free one by default. */
  port?: number;
  /** Progress lines and anything the JVM prints on stdout/stderr (the broker itself logs into broker.log). */
  log?: (line: string) => void;
}

/** Confluent Platform 7.9.x ships Apache Kafka 3.9, the version of test/support/kafka/pom.xml. */
const TESTCONTAINERS_IMAGE = 'confluentinc/cp-kafka:7.9.1';
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 20_000;

/**
 * Resolves the Kafka broker the tests use, in this order (like PostgreSQL in global-setup.ts):
 * 1. KAFKA_BROKERS from the environment (comma separated), which must answer;
 * 2. Testcontainers (KRaft), where a Docker engine is reachable; falls through on failure;
 * 3. a local broker run with `java` into .test-cache/kafka-<pid>, its classpath resolved by `mvn`.
 * Returns null only when none of these is possible (no KAFKA_BROKERS, no Docker, java or mvn missing),
 * after logging why. A local broker that cannot start is an error, not a null.
 */
export async function resolveKafka(options: { log?: (line: string) => void } = {}): Promise<KafkaBroker | null> {
  const log = options.log ?? ((line: string) => console.log(`[test-setup] ${line}`));
  return (await fromEnvironment()) ?? (await fromTestcontainers(log)) ?? (await fromLocalJava(log));
}

async function fromEnvironment(): Promise<KafkaBroker | null> {
  const value = process.env.KAFKA_BROKERS?.trim();
  if (!value) return null;
  const brokers = value.split(',').map((b) => b.trim()).filter(Boolean);
  try {
    await waitUntilServing(brokers, 10_000);
  } catch (error) {
    throw new Error(`KAFKA_BROKERS is set but no Kafka broker answers at ${brokers.join(',')} (${(error as Error).message})`);
  }
  return { brokers, source: `environment (KAFKA_BROKERS=${brokers.join(',')})`, stop: async () => undefined };
}

async function fromTestcontainers(log: (line: string) => void): Promise<KafkaBroker | null> {
  if (!dockerReachable()) return null;
  let stopContainer: (() => Promise<void>) | undefined;
  try {
    const { KafkaContainer } = await import('@testcontainers/kafka');
    const container = await new KafkaContainer(TESTCONTAINERS_IMAGE)
      .withKraft()
      .withEnvironment({
        KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
        KAFKA_NUM_PARTITIONS: '3',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_NUM_PARTITIONS: '1',
      })
      .start();
    stopContainer = async () => void (await container.stop());
    const brokers = [`${container.getHost()}:${container.getMappedPort(9093)}`];
    await waitUntilServing(brokers, READY_TIMEOUT_MS, { groups: true });
    return { brokers, source: `Testcontainers ${TESTCONTAINERS_IMAGE} (KRaft) at ${brokers[0]}`, stop: stopContainer };
  } catch (error) {
    await stopContainer?.().catch(() => undefined);
    log(`Kafka: Testcontainers unavailable (${(error as Error).message}); trying a local java broker`);
    return null;
  }
}

async function fromLocalJava(log: (line: string) => void): Promise<KafkaBroker | null> {
  const reason = localKafkaUnavailableReason();
  if (reason) {
    log(`Kafka: no local broker possible: ${reason}`);
    return null;
  }
  const dataDir = join(process.cwd(), '.test-cache', `kafka-${process.pid}`);
  rmSync(dataDir, { recursive: true, force: true });
  return startLocalKafka({ dataDir, log: (line) => log(`Kafka: ${line}`) });
}

/**
 * Why a local broker cannot be started here, or null when it can: `java` must be installed, and `mvn`
 * too unless the cached classpath (.test-cache/kafka-classpath-<version>.txt) is still complete.
 */
export function localKafkaUnavailableReason(): string | null {
  if (!javaExecutable()) {
    return `'java' was not found (not in JAVA_HOME/bin, not on PATH): install a JRE 11+ (e.g. apt-get install openjdk-17-jre-headless), or set KAFKA_BROKERS, or provide Docker`;
  }
  if (!cachedClasspath() && !findOnPath(mvnCommand())) {
    return `'mvn' was not found on PATH (needed once to resolve the Kafka jars into ~/.m2): install Maven (e.g. apt-get install maven), or set KAFKA_BROKERS, or provide Docker`;
  }
  return null;
}

/**
 * Starts Apache Kafka (KRaft, broker and controller in one process) as a `java` child process on
 * 127.0.0.1 and resolves once a client can describe the cluster. The storage is formatted on first use
 * only, so a broker started again on the same data folder keeps its topics and messages.
 */
export async function startLocalKafka(options: LocalKafkaOptions): Promise<LocalKafkaBroker> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const java = javaExecutable();
  if (!java) throw new Error(`cannot start a local Kafka broker: ${localKafkaUnavailableReason()}`);
  const dataDir = resolve(options.dataDir);
  const logDir = join(dataDir, 'kafka-logs');
  mkdirSync(logDir, { recursive: true });
  const classpath = await kafkaClasspath(log);
  const port = options.port ?? (await freePort());
  let controllerPort = await freePort();
  while (controllerPort === port) controllerPort = await freePort();

  const serverProperties = join(dataDir, 'server.properties');
  const log4jProperties = join(dataDir, 'log4j.properties');
  const brokerLog = join(dataDir, 'broker.log');
  writeFileSync(serverProperties, serverConfig({ port, controllerPort, logDir }));
  writeFileSync(log4jProperties, log4jConfig(brokerLog));
  const jvmBase = ['-Djava.awt.headless=true', `-Dlog4j.configuration=${fileUrl(log4jProperties)}`, '-cp', classpath];

  let formatted = '';
  if (!existsSync(join(logDir, 'meta.properties'))) {
    const formatStarted = Date.now();
    const format = await runCommand(java, ['-Xmx256m', ...jvmBase, 'kafka.tools.StorageTool', 'format', '-t', kafkaUuid(), '-c', serverProperties], dataDir);
    if (format.code !== 0) {
      throw new Error(`formatting the Kafka storage in ${logDir} failed (exit ${format.code}):\n${tailLines(format.output, 30)}${brokerLogTail(brokerLog)}`);
    }
    formatted = `, storage formatted in ${seconds(formatStarted)} s`;
  }

  // The probe must know its own broker from another Kafka that already listens on the port.
  const clusterId = /^cluster\.id=(.+)$/m.exec(readFileSync(join(logDir, 'meta.properties'), 'utf8'))?.[1]?.trim();
  const brokers = [`127.0.0.1:${port}`];
  let running: RunningJava | null = null;
  const launch = async (): Promise<void> => {
    running = spawnJava(java, ['-Xmx512m', '-Xms256m', ...jvmBase, 'kafka.Kafka', serverProperties], dataDir, log);
    try {
      await waitUntilServing(brokers, READY_TIMEOUT_MS, { child: running, groups: true, clusterId });
    } catch (error) {
      await running.stop();
      running = null;
      throw new Error(`the local Kafka broker on ${brokers[0]} did not start: ${(error as Error).message}${brokerLogTail(brokerLog)}`);
    }
  };
  const stop = async (): Promise<void> => {
    const current = running;
    running = null;
    await current?.stop();
  };

  await launch();
  return {
    brokers,
    dataDir,
    source: `local Apache Kafka ${kafkaVersion()} (java, KRaft) on ${brokers[0]}, ready in ${seconds(started)} s${formatted}`,
    stop,
    async restart() {
      const restarting = Date.now();
      await stop();
      await launch();
      log(`restarted on ${brokers[0]} in ${seconds(restarting)} s`);
    },
  };
}

function serverConfig(p: { port: number; controllerPort: number; logDir: string }): string {
  return [
    '# Written by test/support/kafka-broker.ts on every start.',
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${p.controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${p.port},CONTROLLER://127.0.0.1:${p.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${p.port}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${propertiesPath(p.logDir)}`,
    'num.partitions=3',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    '',
  ].join('\n');
}

function log4jConfig(file: string): string {
  return [
    '# Written by test/support/kafka-broker.ts: everything into broker.log, nothing on stdout.',
    'log4j.rootLogger=INFO, file',
    'log4j.appender.file=org.apache.log4j.FileAppender',
    `log4j.appender.file.File=${propertiesPath(file)}`,
    'log4j.appender.file.Append=true',
    'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
    'log4j.logger.kafka.request.logger=WARN',
    'log4j.logger.state.change.logger=WARN',
    'log4j.logger.kafka.authorizer.logger=WARN',
    'log4j.logger.org.apache.kafka.clients=WARN',
    '',
  ].join('\n');
}

// --- classpath --------------------------------------------------------------------------------------

function pomFile(): string {
  const candidates = [join(__dirname, 'kafka', 'pom.xml'), join(process.cwd(), 'test', 'support', 'kafka', 'pom.xml')];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new Error(`test/support/kafka/pom.xml not found (looked in ${candidates.join(', ')})`);
  return found;
}

function kafkaVersion(): string {
  const match = /<kafka\.version>\s*([^<\s]+)\s*<\/kafka\.version>/.exec(readFileSync(pomFile(), 'utf8'));
  if (!match) throw new Error(`${pomFile()} has no <kafka.version> property`);
  return match[1];
}

function classpathCacheFile(): string {
  return join(process.cwd(), '.test-cache', `kafka-classpath-${kafkaVersion()}.txt`);
}

/** The cached classpath, when it is newer than the pom and every jar in it still exists in ~/.m2. */
function cachedClasspath(): string | null {
  const file = classpathCacheFile();
  if (!existsSync(file) || statSync(file).mtimeMs < statSync(pomFile()).mtimeMs) return null;
  const classpath = readFileSync(file, 'utf8').trim();
  const entries = classpath.split(delimiter).filter(Boolean);
  return entries.length > 0 && entries.every((jar) => existsSync(jar)) ? classpath : null;
}

async function kafkaClasspath(log: (line: string) => void): Promise<string> {
  const cached = cachedClasspath();
  if (cached) return cached;
  const mvn = findOnPath(mvnCommand());
  if (!mvn) throw new Error(`cannot start a local Kafka broker: ${localKafkaUnavailableReason()}`);
  const file = classpathCacheFile();
  mkdirSync(join(file, '..'), { recursive: true });
  const partial = `${file}.${process.pid}.${randomBytes(3).toString('hex')}.tmp`;
  log(`resolving the Kafka ${kafkaVersion()} classpath with Maven (the first run downloads about 30 MB into ~/.m2)`);
  const started = Date.now();
  const result = await runCommand(mvn, ['-q', '-B', '-f', pomFile(), 'dependency:build-classpath', `-Dmdep.outputFile=${partial}`], process.cwd());
  if (result.code !== 0 || !existsSync(partial)) {
    rmSync(partial, { force: true });
    throw new Error(`'mvn dependency:build-classpath' for ${pomFile()} failed (exit ${result.code}):\n${tailLines(result.output, 40)}`);
  }
  // The rename is atomic, so concurrent runs never read a half-written cache file.
  renameSync(partial, file);
  log(`classpath resolved in ${seconds(started)} s, cached in ${file}`);
  const classpath = cachedClasspath();
  if (!classpath) throw new Error(`Maven wrote an unusable classpath into ${file}`);
  return classpath;
}

// --- processes --------------------------------------------------------------------------------------

interface RunningJava {
  /** Resolves with a description once the process has exited. */
  readonly exited: Promise<string>;
  hasExited(): boolean;
  /** SIGTERM, then SIGKILL after 20 s; resolves once the process is gone. */
  stop(): Promise<void>;
}

function spawnJava(java: string, args: string[], cwd: string, log: (line: string) => void): RunningJava {
  // Where util-linux's setpriv can, the kernel kills the broker should node die without an 'exit' event
  // (SIGKILL, or a SIGTERM no one handles); setpriv execs java, so the child's pid is java's.
  const setpriv = pdeathsigSupported();
  const child: ChildProcess = setpriv
    ? spawn(setpriv, ['--pdeathsig', 'KILL', java, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: false })
    : spawn(java, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: false });
  const output: string[] = [];
  const collect = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      output.push(line);
      if (output.length > 50) output.shift();
      log(`[java] ${line}`);
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  // A broker must never outlive the node process that started it, whatever ends the process.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.on('exit', killOnExit);
  let done = false;
  const exited = new Promise<string>((resolveExit) => {
    const finish = (description: string): void => {
      if (done) return;
      done = true;
      process.removeListener('exit', killOnExit);
      const printed = output.length ? `; it printed:\n${output.join('\n')}` : '';
      resolveExit(`${description}${printed}`);
    };
    child.once('error', (error: NodeJS.ErrnoException) =>
      finish(error.code === 'ENOENT' ? `'${java}' could not be run (not found)` : `'${java}' could not be run (${error.message})`),
    );
    child.once('exit', (code, signal) => finish(`java exited with ${signal ? `signal ${signal}` : `code ${code}`}`));
  });
  return {
    exited,
    hasExited: () => done,
    async stop() {
      if (done) return;
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), STOP_GRACE_MS)));
      const outcome = await Promise.race([exited, graceOver]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        log(`java did not stop within ${STOP_GRACE_MS / 1000} s of SIGTERM; killing it`);
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** Runs a command to completion, collecting its output; an executable that cannot be run gives code -1. */
function runCommand(command: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolveRun) => {
    let output = '';
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-64_000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.once('error', (error) => resolveRun({ code: -1, output: `${output}\n${error.message}` }));
    child.once('close', (code, signal) => resolveRun({ code: code ?? -1, output: signal ? `${output}\n(killed by ${signal})` : output }));
  });
}

/**
 * Polls with a kafkajs admin client (connect + describeCluster) until the broker answers. With
 * `groups`, also until the group coordinator answers (describeGroups): on a fresh or just restarted
 * broker it first creates or loads __consumer_offsets, and consumers joining meanwhile get
 * COORDINATOR_LOAD_IN_PROGRESS. With `child`, fails as soon as that process exits; with `clusterId`,
 * as soon as a different cluster answers.
 */
async function waitUntilServing(
  brokers: string[],
  timeoutMs: number,
  expect: { child?: RunningJava; groups?: boolean; clusterId?: string } = {},
): Promise<void> {
  const { child, groups = false, clusterId } = expect;
  const kafka = new Kafka({
    clientId: 'test-kafka-probe',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 3_000,
    retry: { retries: 0 },
  });
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no answer yet';
  for (;;) {
    if (child?.hasExited()) throw new Error(await child.exited);
    const admin = kafka.admin({ retry: { retries: 0 } });
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (clusterId && cluster.clusterId !== clusterId) {
        throw new ForeignCluster(`${brokers.join(',')} is served by another Kafka cluster (id ${cluster.clusterId}, expected ${clusterId}): is the port taken?`);
      }
      if (cluster.brokers.length === 0) throw new Error('the cluster has no brokers yet');
      if (groups) await admin.describeGroups(['test-kafka-probe']);
      return;
    } catch (error) {
      if (error instanceof ForeignCluster) throw error;
      lastError = (error as Error).message;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    if (Date.now() > deadline) throw new Error(`no answer within ${timeoutMs / 1000} s (last error: ${lastError})`);
    await (child ? Promise.race([sleep(200), child.exited]) : sleep(200));
  }
}

class ForeignCluster extends Error {}

// --- helpers ----------------------------------------------------------------------------------------

function javaExecutable(): string | null {
  const home = process.env.JAVA_HOME;
  if (home) {
    const candidate = join(home, 'bin', process.platform === 'win32' ? 'java.exe' : 'java');
    if (isExecutable(candidate)) return candidate;
  }
  return findOnPath(process.platform === 'win32' ? 'java.exe' : 'java');
}

let setprivPath: string | null | undefined;
/** `setpriv` when it supports --pdeathsig (Linux, util-linux 2.33+), else null. */
function pdeathsigSupported(): string | null {
  if (setprivPath !== undefined) return setprivPath;
  const path = process.platform === 'linux' ? findOnPath('setpriv') : null;
  setprivPath = path && spawnSync(path, ['--help'], { encoding: 'utf8' }).stdout?.includes('--pdeathsig') ? path : null;
  return setprivPath;
}

function mvnCommand(): string {
  return process.platform === 'win32' ? 'mvn.cmd' : 'mvn';
}

function findOnPath(command: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** A Kafka cluster id: 16 random bytes in URL-safe base64 (what `StorageTool random-uuid` prints), never starting with '-'. */
function kafkaUuid(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** The broker's last ERROR/FATAL lines (its INFO shutdown chatter would hide them) and the end of broker.log. */
function brokerLogTail(file: string): string {
  if (!existsSync(file)) return `\n(${file} was not written)`;
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const errors: string[] = [];
  lines.forEach((line, i) => {
    if (!/^\[[^\]]+\] (ERROR|FATAL) /.test(line)) return;
    errors.push(line);
    // The exception's own message follows on the next line (before the stack trace).
    const next = lines[i + 1] ?? '';
    if (next && !next.startsWith('[') && !/^\s+at /.test(next)) errors.push(`  ${next}`);
  });
  errors.splice(0, Math.max(0, errors.length - 12));
  const errorPart = errors.length ? `\nerrors in ${file}:\n${errors.map((line) => line.slice(0, 2_000)).join('\n')}` : '';
  return `${errorPart}\nlast lines of ${file}:\n${tailLines(text, 10)}`;
}

function tailLines(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** A path as a .properties value: forward slashes, so that backslashes are never read as escapes. */
function propertiesPath(path: string): string {
  return path.replace(/\\/g, '/');
}

function fileUrl(path: string): string {
  const forward = propertiesPath(path);
  return `file:${forward.startsWith('/') ? '' : '/'}${forward}`;
}

function seconds(since: number): string {
  return ((Date.now() - since) / 1000).toFixed(1);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
