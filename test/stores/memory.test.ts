import { createMemoryStore } from '../../src/stores/memory/index.js';
import { testEventStore } from '../conformance/index.js';

testEventStore('memory store', () => Promise.resolve({ store: createMemoryStore() }));
