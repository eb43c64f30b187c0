import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Invalid } from '../../core/errors.ts';
import { DockerGateway, DockerUnavailable } from './index.ts';

// No engine here: a socket that does not exist shows what is refused before any call is made.
const gateway = new DockerGateway({ socketPath: '/nonexistent/docker.sock' });

describe('DockerGateway without an engine', () => {
  it('refuses names that are not DNS labels before talking to the engine', async () => {
    await assert.rejects(gateway.ensureService({ Name: 'Web_1', TaskTemplate: { ContainerSpec: { Image: 'x' } } }), Invalid);
    await assert.rejects(gateway.ensureNetwork({ name: 'bad name', subnet: '10.9.0.0/24' }), Invalid);
  });

  it('refuses labels outside its prefix before talking to the engine', async () => {
    await assert.rejects(gateway.ensureNetwork({ name: 'ok', subnet: '10.9.0.0/24', labels: { 'traefik.enable': 'true' } }), Invalid);
  });

  it('reports a missing engine as unavailable', async () => {
    await assert.rejects(gateway.ping(), DockerUnavailable);
  });
});
