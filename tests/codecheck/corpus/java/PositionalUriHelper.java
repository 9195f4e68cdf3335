import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

public class PositionalUriHelper {
    private static final String BASE = "https://api.pixapi.ai/v1/";
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    static URI uri(String... parts) {
        return URI.create(BASE + String.join("/", parts));
    }

    static String post(URI uri, String json) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(uri)
            .header("Authorization", "Bearer " + System.getenv("PIXAPI_KEY"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build();
        return CLIENT.send(req, HttpResponse.BodyHandlers.ofString()).body();
    }

    static String get(URI uri) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(uri)
            .header("Authorization", "Bearer " + System.getenv("PIXAPI_KEY"))
            .GET()
            .build();
        return CLIENT.send(req, HttpResponse.BodyHandlers.ofString()).body();
    }

    public static void main(String[] args) throws Exception {
        String submitted = post(uri("async", "videos", "generations"),
            "{\"model\":\"veo\",\"prompt\":\"A cat stretching in the sun\",\"duration\":5}");
        String id = new org.json.JSONObject(submitted).getString("id");
        while (true) {
            org.json.JSONObject task = new org.json.JSONObject(get(uri("tasks", id)));
            String status = task.getString("status");
            if (status.equals("completed") || status.equals("failed")) {
                System.out.println(task.toString(2));
                return;
            }
            Thread.sleep(4000);
        }
    }
}
