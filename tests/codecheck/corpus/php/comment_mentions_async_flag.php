<?php
/*
 * Background renders. There is no ?async=true flag or "async": true field at Pixapi;
 * the async variant is its own endpoint under /v1/async/.
 */
require 'vendor/autoload.php';

$http = new GuzzleHttp\Client(['base_uri' => 'https://api.pixapi.ai']);
$auth = ['Authorization' => 'Bearer ' . getenv('PIXAPI_KEY')];

$submitted = json_decode((string) $http->post('/v1/async/images/generations', [
    'headers' => $auth,
    'json' => ['model' => 'gemini-3-pro-image-preview', 'prompt' => 'A botanical plate of ferns'],
])->getBody(), true);

do {
    sleep(3);
    $task = json_decode((string) $http->get('/v1/tasks/' . $submitted['id'], ['headers' => $auth])->getBody(), true);
} while ($task['status'] !== 'completed' && $task['status'] !== 'failed');

echo $task['status'] === 'completed' ? $task['result']['data'][0]['url'] : 'render failed', "\n";
