import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;

public class BearerNoSpace {
    public static void main(String[] args) throws Exception {
        String key = System.getenv("PIXAPI_KEY");
        Request request = new Request.Builder()
            .url("https://api.pixapi.ai/v1/images/generations")
            .addHeader("Authorization", "Bearer" + key)
            .post(RequestBody.create("{\"model\":\"gpt-image-2\",\"prompt\":\"A vintage camera\"}",
                MediaType.get("application/json")))
            .build();
        System.out.println(new OkHttpClient().newCall(request).execute().body().string());
    }
}
