/**
 * The seed of every fast-check property in the suite: fixed, so that a run is repeatable;
 * `EES_FC_SEED` picks another, to search elsewhere or to replay a reported failure.
 */
export const FC_SEED = Number(process.env.EES_FC_SEED ?? 20261127);
