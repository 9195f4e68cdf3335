import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.json.JSONObject;

public class ModelConstantReused {
    private static final String MODEL = "nano-banana";
    private static final String API = "https://api.pixapi.ai";

    static String post(String path, JSONObject body) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(API + path))
            .header("Authorization", "Bearer " + System.getenv("PIXAPI_KEY"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
            .build();
        return HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString()).body();
    }

    public static void main(String[] args) throws Exception {
        String image = post("/v1/images/generations", new JSONObject().put("model", MODEL).put("prompt", "A snowy owl"));
        String url = new JSONObject(image).getJSONArray("data").getJSONObject(0).getString("url");
        JSONObject video = new JSONObject()
            .put("model", MODEL)
            .put("prompt", "The owl turns its head")
            .put("input_image", url)
            .put("duration", 6);
        System.out.println(post("/v1/async/videos/generations", video));
    }
}
