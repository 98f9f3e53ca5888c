package com.example.hello;

import com.google.gson.Gson;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;

/** A small HTTP service on the JDK's own server, answering JSON made with Gson. */
public final class App {
    private static final Gson GSON = new Gson();

    private App() {}

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
        server.createContext("/healthz", ex -> reply(ex, 200, "text/plain", "ok\n"));
        server.createContext("/", App::root);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        System.out.println("java-maven listening on :" + port
                + " (max heap " + (Runtime.getRuntime().maxMemory() >> 20) + " MiB)");
    }

    private static void root(HttpExchange ex) throws IOException {
        if (!ex.getRequestURI().getPath().equals("/")) {
            reply(ex, 404, "text/plain", "not found\n");
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("message", Greeting.message());
        body.put("java", Runtime.version().feature());
        body.put("max_heap_mib", Runtime.getRuntime().maxMemory() >> 20);
        reply(ex, 200, "application/json", GSON.toJson(body) + "\n");
    }

    private static void reply(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] data = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, data.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(data);
        }
    }
}
