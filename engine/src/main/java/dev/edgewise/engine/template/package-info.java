/**
 * A small interpreter of the Jinja2 subset that chat templates ({@code tokenizer.chat_template}) use,
 * rendering byte for byte as Hugging Face transformers does.
 *
 * <p>Why not a library: Jinjava (the maintained Jinja engine on Maven Central) rendered 9 of the 40
 * conformance cases of the shared fixtures: it has no {@code namespace(...)} with keyword arguments, no
 * Python string methods or slices, and different whitespace and {@code tojson} rules. Chat templates are
 * Python programs in all but name, so this package gives Python's semantics directly.
 *
 * <p>Data path: {@code Lexer} (whitespace control: trim_blocks, lstrip_blocks, {@code -}/{@code +}) →
 * {@code Parser}/{@code ExprParser} (statement and expression trees, {@code Node}/{@code Expr}) →
 * {@code Renderer}/{@code Evaluator} (scopes, loops, macros) over Python values ({@code Py},
 * {@code PyStrings}, {@code Methods}, {@code Operators}, {@code Filters}, {@code Tests}, {@code PyJson}).
 * Every render is bounded ({@link dev.edgewise.engine.template.Limits}); any failure is one
 * {@link dev.edgewise.engine.template.TemplateException} naming the template and line.
 *
 * <p>Supported: {@code if/elif/else}, {@code for} (tuple targets, {@code else}, inline {@code if} filter,
 * {@code loop.*}, {@code break}/{@code continue}), {@code set} (tuple, {@code ns.attr}, block),
 * {@code macro} and {@code call}, {@code filter}, {@code with}, {@code generation}, {@code raw}; literals,
 * list/dict literals, arithmetic, comparisons, {@code in}, conditional expressions, slicing, filters and tests.
 * Not supported: template inheritance and includes, recursive loops.
 */
package dev.edgewise.engine.template;
