// deltagen's public library API.
export { loadNetworkFile, parseNetwork } from './spec/load.ts';
export type { Network, LayerSpec, ActivationSpec, LossName, TrainSpec } from './spec/types.ts';
export { compileNetwork, renderLatex, renderTypeScript, type Compiled } from './pipeline.ts';
export { derive, type Derivation, type Equation } from './derive/derive.ts';
export { loadTrainer, typecheck, type TrainerModule } from './compile/compile.ts';
export { checkNetwork, formatCheckReport } from './check/run.ts';
export { runTraining, initialParams } from './train/train.ts';
export { referenceGradient, referenceLossValue } from './reference/reference.ts';
export { UserError, CheckFailure } from './errors.ts';
