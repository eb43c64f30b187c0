import { busContract } from './bus.contract.ts';
import { MemoryBus } from './memory.ts';

busContract('memory', async ({ onError }) => new MemoryBus({ onError }));
