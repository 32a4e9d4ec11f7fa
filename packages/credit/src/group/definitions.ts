import type { MatrixLike } from "@rl/core/arrays";
import { gaeAdvantages, gaeConfig } from "../value/gae.js";
import { defineCreditAssigner, type CreditBatch, type CreditDefinition } from "./credit-definition.js";
import { gpgAdvantages, gpgConfig } from "./gpg.js";
import { grpoAdvantages, grpoConfig } from "./grpo.js";
import { grpoPasskAdvantages, grpoPasskConfig } from "./grpo-passk.js";
import { opoAdvantages, opoConfig } from "./opo.js";
import {
  optimalTokenBaselineAdvantages,
  optimalTokenBaselineConfig,
  tirOptimalTokenBaselineAdvantages,
  tirOptimalTokenBaselineConfig,
  type OptimalTokenBaselineBatch,
} from "./optimal-token-baseline.js";
import { reinforcePlusPlusBaselineAdvantages, reinforcePlusPlusBaselineConfig } from "./reinforce-plus-plus-baseline.js";
import { reinforcePlusPlusAdvantages, reinforcePlusPlusConfig } from "./reinforce-plus-plus.js";
import { remaxAdvantages, remaxConfig } from "./remax.js";
import { rlooAdvantages, rlooConfig } from "./rloo.js";
import type { GroupBatch, GroupIds } from "./types.js";
import { z } from "zod";
import { requireObject } from "../args.js";

// The door's batch has `groups?`; the group estimators validate its presence themselves.
const asGroupBatch = (batch: CreditBatch): GroupBatch => {
  requireObject(batch, "batch", "assignCredit");
  return { ...batch, groups: batch.groups as GroupIds };
};

/** `rl/grpo`: {@link grpoAdvantages}. */
export const grpoDefinition = defineCreditAssigner({
  name: "rl/grpo",
  description: "GRPO group-relative advantages (arXiv:2402.03300)",
  configSchema: grpoConfig,
  assign: (batch, config) => grpoAdvantages(asGroupBatch(batch), config),
});

/** `rl/dr-grpo`: {@link grpoAdvantages} with `normalizeByStd: false` by default (arXiv:2503.20783). */
export const drGrpoDefinition = defineCreditAssigner({
  name: "rl/dr-grpo",
  description: "Dr. GRPO: group mean subtracted, no std (arXiv:2503.20783)",
  configSchema: grpoConfig.extend({ normalizeByStd: z.boolean().default(false) }),
  assign: (batch, config) => grpoAdvantages(asGroupBatch(batch), config),
});

/** `rl/grpo-passk`: {@link grpoPasskAdvantages} (verl `grpo_passk`). */
export const grpoPasskDefinition = defineCreditAssigner({
  name: "rl/grpo-passk",
  description: "Pass@k GRPO: only each group's best response is credited, with its margin over the runner-up (arXiv:2503.19595)",
  configSchema: grpoPasskConfig,
  assign: (batch, config) => grpoPasskAdvantages(asGroupBatch(batch), config),
});

/** `rl/rloo`: {@link rlooAdvantages}. */
export const rlooDefinition = defineCreditAssigner({
  name: "rl/rloo",
  description: "RLOO leave-one-out baseline (arXiv:2402.14740)",
  configSchema: rlooConfig,
  assign: (batch, config) => rlooAdvantages(asGroupBatch(batch), config),
});

/** `rl/opo`: {@link opoAdvantages}. */
export const opoDefinition = defineCreditAssigner({
  name: "rl/opo",
  description: "OPO length-weighted optimal baseline (arXiv:2505.23585)",
  configSchema: opoConfig,
  assign: (batch, config) => opoAdvantages(asGroupBatch(batch), config),
});

// The door's batch carries `oldLogProbs`, `sumPiSquared` (and optionally `rolloutIsWeights`) as extras; OTB validates them.
const asOtbBatch = (batch: CreditBatch): OptimalTokenBaselineBatch => batch as unknown as OptimalTokenBaselineBatch;

/** `rl/otb`: {@link optimalTokenBaselineAdvantages}; the batch carries `oldLogProbs` and `sumPiSquared [B, T]`. */
export const optimalTokenBaselineDefinition = defineCreditAssigner({
  name: "rl/otb",
  description: "Optimal Token Baseline: per-token group baseline weighted by cumulative path variance (arXiv:2602.07078; verl optimal_token_baseline); batch.oldLogProbs, batch.sumPiSquared [B, T]",
  configSchema: optimalTokenBaselineConfig,
  assign: (batch, config) => optimalTokenBaselineAdvantages(asOtbBatch(batch), config),
});

/** `rl/tir-otb`: {@link tirOptimalTokenBaselineAdvantages} (multi-turn OTB); the batch carries `oldLogProbs` and `sumPiSquared [B, T]`. */
export const tirOptimalTokenBaselineDefinition = defineCreditAssigner({
  name: "rl/tir-otb",
  description: "Multi-turn Optimal Token Baseline, aligned by valid-token index (verl tir_optimal_token_baseline); batch.oldLogProbs, batch.sumPiSquared [B, T]",
  configSchema: tirOptimalTokenBaselineConfig,
  assign: (batch, config) => tirOptimalTokenBaselineAdvantages(asOtbBatch(batch), config),
});

/** `rl/gpg`: {@link gpgAdvantages}. */
export const gpgDefinition = defineCreditAssigner({
  name: "rl/gpg",
  description: "GPG group policy gradient (arXiv:2504.02546)",
  configSchema: gpgConfig,
  assign: (batch, config) => gpgAdvantages(asGroupBatch(batch), config),
});

/** `rl/reinforce-plus-plus`: {@link reinforcePlusPlusAdvantages}. */
export const reinforcePlusPlusDefinition = defineCreditAssigner({
  name: "rl/reinforce-plus-plus",
  description: "REINFORCE++ discounted returns, batch-whitened (arXiv:2501.03262)",
  configSchema: reinforcePlusPlusConfig,
  assign: (batch, config) => reinforcePlusPlusAdvantages(batch, config),
});

/** `rl/reinforce-plus-plus-baseline`: {@link reinforcePlusPlusBaselineAdvantages}. */
export const reinforcePlusPlusBaselineDefinition = defineCreditAssigner({
  name: "rl/reinforce-plus-plus-baseline",
  description: "REINFORCE++-baseline: group mean subtracted, batch-whitened (arXiv:2501.03262)",
  configSchema: reinforcePlusPlusBaselineConfig,
  assign: (batch, config) => reinforcePlusPlusBaselineAdvantages(asGroupBatch(batch), config),
});

/** `rl/remax`: {@link remaxAdvantages}; the batch carries `baselines [B]`. */
export const remaxDefinition = defineCreditAssigner({
  name: "rl/remax",
  description: "ReMax greedy-response baseline (arXiv:2310.10505); batch.baselines [B]",
  configSchema: remaxConfig,
  assign: (batch, config) => remaxAdvantages({ ...batch, baselines: batch.baselines as MatrixLike }, config),
});

/** `rl/gae`: {@link gaeAdvantages}; the batch carries `values [B, T]`. */
export const gaeDefinition = defineCreditAssigner({
  name: "rl/gae",
  description: "GAE with a critic's values (arXiv:1506.02438); batch.values [B, T]",
  configSchema: gaeConfig,
  assign: (batch, config) => gaeAdvantages({ ...batch, values: batch.values as MatrixLike }, config),
});

/** The definitions of section A (group/ and value/), in registration order. */
export const groupCreditDefinitions: readonly CreditDefinition[] = [
  grpoDefinition,
  drGrpoDefinition,
  grpoPasskDefinition,
  rlooDefinition,
  opoDefinition,
  optimalTokenBaselineDefinition,
  tirOptimalTokenBaselineDefinition,
  gpgDefinition,
  reinforcePlusPlusDefinition,
  reinforcePlusPlusBaselineDefinition,
  remaxDefinition,
  gaeDefinition,
];
