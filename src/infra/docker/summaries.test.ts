import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compareTasks, toTaskSummary, withoutPrefixLength, type EngineTask } from './summaries.ts';

/** Trimmed from a real `GET /tasks` answer for a dnsrr service on one overlay. */
const TASK: EngineTask = {
  ID: '4uygvggvrbvl3j98ogdfmm4rz',
  ServiceID: 'dayqvs57j1esjin47644dwl7t',
  Slot: 1,
  NodeID: 'yviz1y0owbu4qnye4x7uaxvot',
  CreatedAt: '2026-11-27T04:45:38.606046086Z',
  UpdatedAt: '2026-11-27T04:45:40.651198412Z',
  DesiredState: 'running',
  Status: { State: 'running', Message: 'started', ContainerStatus: { ContainerID: 'f8780507862338590a' } },
  NetworksAttachments: [{ Network: { ID: '3vim161cyimjqa4rmn5y8mzdj', Spec: { Name: 'explore-net' } }, Addresses: ['10.210.1.2/24'] }],
};

describe('task summaries', () => {
  it('strips prefix lengths from v4 and v6 addresses', () => {
    assert.equal(withoutPrefixLength('10.0.20.5/24'), '10.0.20.5');
    assert.equal(withoutPrefixLength('fd00::5/64'), 'fd00::5');
    assert.equal(withoutPrefixLength('10.0.20.5'), '10.0.20.5');
  });

  it('maps a task with its node, health and addresses', () => {
    const summary = toTaskSummary(TASK, { nodeHostnames: new Map([['yviz1y0owbu4qnye4x7uaxvot', 'vm']]), health: 'healthy' });
    assert.deepEqual(summary, {
      id: '4uygvggvrbvl3j98ogdfmm4rz',
      serviceId: 'dayqvs57j1esjin47644dwl7t',
      slot: 1,
      node: { id: 'yviz1y0owbu4qnye4x7uaxvot', hostname: 'vm' },
      state: 'running',
      desiredState: 'running',
      message: 'started',
      error: undefined,
      health: 'healthy',
      containerId: 'f8780507862338590a',
      addresses: [{ networkId: '3vim161cyimjqa4rmn5y8mzdj', networkName: 'explore-net', ip: '10.210.1.2' }],
      createdAt: '2026-11-27T04:45:38.606046086Z',
      updatedAt: '2026-11-27T04:45:40.651198412Z',
    });
  });

  it('orders by slot, newest task first within a slot', () => {
    const at = (slot: number, createdAt: string) => toTaskSummary({ ...TASK, Slot: slot, CreatedAt: createdAt }, { nodeHostnames: new Map() });
    const sorted = [at(2, 'a'), at(1, 'a'), at(1, 'b')].sort(compareTasks).map((t) => [t.slot, t.createdAt]);
    assert.deepEqual(sorted, [[1, 'b'], [1, 'a'], [2, 'a']]);
  });
});
