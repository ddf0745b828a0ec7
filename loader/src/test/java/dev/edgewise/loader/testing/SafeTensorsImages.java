package dev.edgewise.loader.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Raw safetensors file images for tests, including malformed ones the writer would never produce. */
public final class SafeTensorsImages {
    private SafeTensorsImages() {}

    /** A safetensors image: header length, JSON header space-padded to 8 bytes (as the reference writer does), then the data. */
    public static byte[] image(String header, byte[]... data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < 8; i++) out.write((int) ((long) padded >>> (8 * i)));
        out.writeBytes(h);
        for (int i = h.length; i < padded; i++) out.write(' ');
        for (byte[] d : data) out.writeBytes(d);
        return out.toByteArray();
    }
}
