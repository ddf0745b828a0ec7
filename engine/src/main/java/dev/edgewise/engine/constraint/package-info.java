/**
 * Constrained output: JSON (any value) or JSON that validates against a JSON Schema, enforced while
 * sampling. {@link dev.edgewise.engine.constraint.SchemaCompiler} turns a schema into
 * {@link dev.edgewise.engine.constraint.SchemaNode}s (refusing, by name, every keyword it cannot
 * enforce); {@link dev.edgewise.engine.constraint.JsonState} is a byte-level automaton over the
 * output; {@link dev.edgewise.engine.constraint.JsonConstraint} masks the logits of every token
 * whose bytes the automaton would reject, walking a {@link dev.edgewise.engine.constraint.TokenTrie}
 * of the vocabulary with the automaton's state so that shared prefixes are checked once and
 * rejected prefixes prune whole subtrees.
 */
package dev.edgewise.engine.constraint;
