import autocannon from 'autocannon';
import { COMMIT_BODY } from './bench/lib/workload.js';
let k = 0;
const r = await autocannon({ url: 'http://127.0.0.1:8788', connections: 64, duration: 8, requests: [{ method: 'POST', setupRequest: (req) => { const s = `bench-${k % 10000}`; const e = Math.floor(k / 10000); k++; return { ...req, path: `/streams/${s}?expected_last_changeset=${e}`, headers: { 'content-type': 'application/json' }, body: COMMIT_BODY }; } }] });
console.log('commits/s', Math.round(r['2xx'] / r.duration), 'non2xx', r.non2xx);
