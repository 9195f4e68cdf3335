import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

public class VideoPipeline {
    private static final String BASE = "https://api.pixapi.ai";
    private static final String KEY = System.getenv("PIXAPI_KEY");
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    static JsonNode send(HttpRequest.Builder builder) throws Exception {
        HttpRequest request = builder.header("Authorization", "Bearer " + KEY).build();
        return MAPPER.readTree(HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body());
    }

    public static String animate(String imageUrl, String prompt) throws Exception {
        String body = MAPPER.createObjectNode()
            .put("model", "veo")
            .put("prompt", prompt)
            .put("input_image", imageUrl)
            .put("duration", 8)
            .toString();
        JsonNode submitted = send(HttpRequest.newBuilder(URI.create(BASE + "/v1/async/videos/generations"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)));
        String id = submitted.path("id").asText();
        while (true) {
            JsonNode task = send(HttpRequest.newBuilder(URI.create(String.format("%s/v1/tasks/%s", BASE, id))).GET());
            String status = task.path("status").asText();
            if (status.equals("completed")) {
                return task.path("result").path("data").get(0).path("url").asText();
            }
            if (status.equals("failed")) {
                throw new IllegalStateException("video task " + id + " failed");
            }
            Thread.sleep(5000);
        }
    }
}
