<?php
require 'vendor/autoload.php';

$http = new GuzzleHttp\Client();
$res = $http->post('https://api.pixapi.ai/v1/async/videos/generations', [
    'headers' => ['Authorization' => 'Bearer ' . getenv('PIXAPI_KEY')],
    'json' => ['model' => 'veo', 'prompt' => 'Morning fog lifting off a lake', 'duration' => 8],
]);
$id = json_decode((string) $res->getBody(), true)['id'];

while (true) {
    $task = json_decode(file_get_contents("https://api.pixapi.ai/v1/tasks/{$id}"), true);
    if ($task['status'] === 'completed') {
        echo $task['result']['data'][0]['url'], PHP_EOL;
        break;
    }
    if ($task['status'] === 'failed') {
        exit(1);
    }
    sleep(5);
}
