package dev.edgewise.cli;

import dev.edgewise.engine.tokenizer.Tokenizer;
import dev.edgewise.loader.GGUFFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code edgewise tokenize}: prints the token ids (and pieces) of a text. Reads only the vocabulary. */
@Command(name = "tokenize", mixinStandardHelpOptions = true, description = "Print the tokens of TEXT.")
final class TokenizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, paramLabel = "FILE", description = "GGUF model or vocabulary file (default: the embedded synthetic model)")
    Path model;

    @Option(names = "--special", description = "parse special-token text such as <|im_start|>")
    boolean special;

    @Option(names = "--json", description = "print {\"ids\": [...], \"pieces\": [...]} instead of one token per line")
    boolean json;

    @Option(names = "--ids", description = "print only the ids, space-separated, on one line")
    boolean idsOnly;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "tokenize the bytes of FILE (- for standard input) instead of TEXT: any bytes, NUL and ill-formed UTF-8 included, as llama.cpp reads them")
    String file;

    @Parameters(paramLabel = "TEXT", arity = "0..1", description = "text to tokenize")
    String text;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if ((text == null) == (file == null)) throw new UsageException("give either TEXT or --file FILE");
        byte[] bytes = file != null ? TextInput.bytes(file) : null;
        ModelOptionsMixin m = new ModelOptionsMixin();
        m.model = model;
        try (GGUFFile gguf = GGUFFile.open(m.modelPath(spec.commandLine().getErr()))) {
            Tokenizer tokenizer = Tokenizer.fromGGUF(gguf);
            int[] ids = bytes != null ? tokenizer.encode(bytes, special) : tokenizer.encode(text, special);
            if (json) {
                List<String> pieces = new ArrayList<>();
                for (int id : ids) pieces.add(tokenizer.vocabulary().token(id));
                Map<String, Object> j = new LinkedHashMap<>();
                j.put("ids", ids);
                j.put("pieces", pieces);
                out.print(JsonWriter.write(j));
            } else if (idsOnly) {
                StringBuilder sb = new StringBuilder();
                for (int id : ids) sb.append(sb.isEmpty() ? "" : " ").append(id);
                out.println(sb);
            } else {
                for (int id : ids) out.printf("%6d  %s%n", id, quoted(tokenizer.piece(id)));
            }
        }
        return 0;
    }

    private static String quoted(String s) {
        return "'" + s.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t") + "'";
    }
}
