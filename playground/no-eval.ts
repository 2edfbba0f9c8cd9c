// Imported first by main.ts, before the library builds its schemas: zod tries
// new Function() once to see whether it may compile its parsers, and the page's
// CSP allows no eval; told it may not, it never tries, so no violation is reported.
import { z } from 'zod';

z.config({ jitless: true });
