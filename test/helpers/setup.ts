// Called by scripts/test.mjs before and after the run: makes or drops the template database.
import { dropDatabase, prepareTemplate } from './db.ts';

const name = process.env.SSG_TEST_TEMPLATE_DB;
if (!name) throw new Error('SSG_TEST_TEMPLATE_DB is not set (run the suite with npm test)');
if (process.argv[2] === 'create') await prepareTemplate(name);
else await dropDatabase(name);
