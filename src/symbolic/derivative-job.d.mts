/** d/dv of a formula in mathjs syntax, |u|/u written sign(u), simplified up to simplifyLimit nodes (derivative-job.mjs). */
export function derivativeText(math: unknown, text: string, variable: string, simplifyLimit: number): string;
