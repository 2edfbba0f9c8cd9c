// deltagen's own mathjs instance: the parser, the derivative and the
// simplifier, with the elementary functions formulas may call (the simplifier
// folds constants through them, the reference evaluates them), and the matrix
// products of the reference. Built with `create` so that a bundle holds
// only these factories: importing all of mathjs costs about 1 s of start-up.
import {
  absDependencies, cosDependencies, coshDependencies, create, derivativeDependencies, expDependencies, logDependencies,
  maxDependencies, parseDependencies, powDependencies, sechDependencies, signDependencies, simplifyDependencies,
  sinDependencies, sinhDependencies, sqrtDependencies, tanDependencies, tanhDependencies,
  addDependencies, dotMultiplyDependencies, matrixDependencies, multiplyDependencies, transposeDependencies,
} from 'mathjs';

export const math = create({
  parseDependencies, derivativeDependencies, simplifyDependencies,
  absDependencies, cosDependencies, coshDependencies, expDependencies, logDependencies, maxDependencies, powDependencies,
  sechDependencies, signDependencies, sinDependencies, sinhDependencies, sqrtDependencies, tanDependencies, tanhDependencies,
  addDependencies, dotMultiplyDependencies, matrixDependencies, multiplyDependencies, transposeDependencies,
});
