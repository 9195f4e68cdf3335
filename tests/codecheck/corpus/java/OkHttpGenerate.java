import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

public class OkHttpGenerate {
    private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");

    public static void main(String[] args) throws Exception {
        OkHttpClient client = new OkHttpClient();
        String json = "{\"model\":\"gpt-image-2\",\"prompt\":\"A chess board mid-game, dramatic light\",\"quality\":\"high\"}";
        // RequestBody.create with a MediaType sends Content-Type: application/json itself.
        Request request = new Request.Builder()
            .url("https://api.pixapi.ai/v1/images/generations")
            .header("Authorization", "Bearer " + System.getenv("PIXAPI_KEY"))
            .post(RequestBody.create(json, JSON))
            .build();
        try (Response response = client.newCall(request).execute()) {
            System.out.println(response.body().string());
        }
    }
}
