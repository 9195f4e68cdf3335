import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;

public class WrongBaseUrl {
    private static final String BASE_URL = "https://pixapi.ai/api";

    public static void main(String[] args) throws Exception {
        Request request = new Request.Builder()
            .url(BASE_URL + "/v1/images/generations")
            .header("Authorization", "Bearer " + System.getenv("PIXAPI_KEY"))
            .post(RequestBody.create("{\"model\":\"nano-banana\",\"prompt\":\"A moss-covered stone bridge\"}",
                MediaType.get("application/json")))
            .build();
        System.out.println(new OkHttpClient().newCall(request).execute().body().string());
    }
}
