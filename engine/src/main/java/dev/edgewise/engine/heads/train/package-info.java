/**
 * Training the switcher and verifier heads on features the pipeline captured
 * ({@link dev.edgewise.engine.ReasoningRequest#captureFeatures()}): small, dependency-free and deterministic for a
 * seed. {@link dev.edgewise.engine.heads.train.SwitcherTrainer} fits the paper's MLP (hidden width 8, ReLU,
 * sigmoid), {@link dev.edgewise.engine.heads.train.VerifierTrainer} the logistic verifier; both run full-batch
 * Adam on class-weighted binary cross-entropy with L2 on standardised inputs (the standardisation is folded into
 * the returned head, which reads raw hidden states), stop early on the held-out loss of a seeded
 * {@link dev.edgewise.engine.heads.train.Split}, and choose the decision threshold on the held-out split
 * ({@link dev.edgewise.engine.heads.train.Metrics}). The {@link dev.edgewise.engine.heads.train.Report} holds
 * the held-out probabilities computed by the returned head itself, i.e. those inference will produce.
 * {@code edgewise train-heads} drives it.
 */
package dev.edgewise.engine.heads.train;
