/**
 * The seed of every fast-check property in the suite: fixed, so that a run is repeatable;
 * `EES_FC_SEED` picks another, to search elsewhere or to replay a reported failure.
 */
export const FC_SEED = Number(process.env.EES_FC_SEED ?? 20261127);

/**
 * `EES_FC_PATH`: the path of a reported counterexample, replayed with its seed. Only the
 * properties whose failures print it (the fuzzer, the model-based test) read it.
 */
export const FC_PATH = process.env.EES_FC_PATH;
