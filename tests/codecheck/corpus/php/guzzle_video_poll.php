<?php
require 'vendor/autoload.php';

use GuzzleHttp\Client;

final class PixapiVideo
{
    private Client $http;

    public function __construct()
    {
        $this->http = new Client([
            'base_uri' => 'https://api.pixapi.ai',
            'headers' => ['Authorization' => 'Bearer ' . getenv('PIXAPI_KEY')],
        ]);
    }

    public function animate(string $imageUrl, string $prompt, int $duration = 8): string
    {
        $res = $this->http->post('/v1/async/videos/generations', ['json' => [
            'model' => 'veo',
            'prompt' => $prompt,
            'input_image' => $imageUrl,
            'duration' => $duration,
        ]]);
        $id = json_decode((string) $res->getBody(), true)['id'];

        while (true) {
            $task = json_decode((string) $this->http->get("/v1/tasks/{$id}")->getBody(), true);
            if ($task['status'] === 'completed') {
                return $task['result']['data'][0]['url'];
            }
            if ($task['status'] === 'failed') {
                throw new RuntimeException("Pixapi task {$id} failed");
            }
            sleep(5);
        }
    }
}
