import { IdempotencyPruner } from '@ipstd/platform';
import { suzhouTerms } from '../support/fixtures';
import { TestApp, bearer, startTestApp } from '../support/app';

describe('operations endpoints', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('answers liveness without a token', async () => {
    expect((await t.http.get('/health/live').expect(200)).body).toEqual({ status: 'ok' });
  });

  it('reports readiness with the store and the projection lag', async () => {
    await t.http.post('/v1/programmes').set(bearer(t.token({ role: 'programme-admin', city: '320500' }))).send(suzhouTerms()).expect(201);
    await t.projectionsCaughtUp();
    const response = await t.http.get('/health/ready').expect(200);
    expect(response.body).toMatchObject({ status: 'ok', checks: { eventStore: { status: 'ok' }, projections: { status: 'ok', lag: { applications: 0, 'application-history': 0 } } } });
  });

  it('serves Prometheus metrics, counting requests by route and status', async () => {
    const text = (await t.http.get('/metrics').expect(200)).text;
    expect(text).toContain('http_request_duration_seconds_count{method="POST",route="/v1/programmes",status="201"}');
    expect(text).toContain('projection_checkpoint_position');
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('serves the OpenAPI document and the Swagger UI', async () => {
    const document = (await t.http.get('/docs-json').expect(200)).body;
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/v1/programmes',
        '/v1/programmes/{programmeId}',
        '/v1/programmes/{programmeId}/applications',
        '/v1/applications/{applicationId}',
        '/v1/applications/{applicationId}/amendments',
        '/v1/applications/{applicationId}/withdrawal',
        '/v1/audit/streams/{streamId}',
        '/v1/audit/applications/{applicationId}/history',
      ]),
    );
    expect(document.components.schemas.ApplicationProfileDto.properties).toHaveProperty('enterprise');
    expect((await t.http.get('/docs').expect(200)).text).toContain('swagger');
  });

  it('echoes a caller-supplied correlation id and records it on the events', async () => {
    const admin = t.token({ role: 'programme-admin', city: '320500' });
    const response = await t.http.post('/v1/programmes').set(bearer(admin)).set('X-Correlation-Id', 'corr-42').send(suzhouTerms({ code: 'SZ-CORR' })).expect(201);
    expect(response.headers['x-correlation-id']).toBe('corr-42');
    const [event] = await t.runtime.store.readStream(`programme-${response.body.programmeId}`);
    expect(event.metadata.correlationId).toBe('corr-42');
  });
});

describe('stored Idempotency-Key responses', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { IDEMPOTENCY_RETENTION_HOURS: '24' } });
  });
  afterAll(() => t?.close());

  it('are pruned after the retention period', async () => {
    const admin = t.token({ role: 'programme-admin', city: '320500' });
    await t.http.post('/v1/programmes').set(bearer(admin)).set('Idempotency-Key', 'open-1').send(suzhouTerms()).expect(201);
    const count = async () => (await t.db.pool.query('select count(*)::int as n from http_idempotency')).rows[0].n;
    expect(await count()).toBe(1);
    const pruner = t.app.get(IdempotencyPruner);
    t.clock.advance(23 * 3600_000);
    expect(await pruner.prune()).toBe(0);
    t.clock.advance(2 * 3600_000);
    expect(await pruner.prune()).toBe(1);
    expect(await count()).toBe(0);
  });
});

describe('metrics of commands', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('counts accepted, refused and replayed commands', async () => {
    const admin = t.token({ role: 'programme-admin', city: '320500' });
    await t.http.post('/v1/programmes').set(bearer(admin)).set('Idempotency-Key', 'k').send(suzhouTerms()).expect(201);
    await t.http.post('/v1/programmes').set(bearer(admin)).send(suzhouTerms()).expect(409);
    const text = (await t.http.get('/metrics').expect(200)).text;
    expect(text).toContain('commands_total{command="OpenProgramme",outcome="accepted"} 1');
    expect(text).toContain('commands_total{command="OpenProgramme",outcome="refused"} 1');
  });
});
