import { migrate } from '../src/db/migrate.ts';
const url='postgresql://postgres@127.0.0.1:5432/mig_try';
const t=Date.now();
console.log(await migrate(url), Date.now()-t);
const h = (process as any)._getActiveHandles(); console.log(h.map((x:any)=>x.constructor.name));
