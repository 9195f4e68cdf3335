<?php
require __DIR__ . '/vendor/autoload.php';

use GuzzleHttp\Client;

$model = 'nano-banana-pro';
$client = new Client(['base_uri' => 'https://api.pixapi.ai']);
$response = $client->request('POST', '/v1/images/edits', [
    'headers' => ['Authorization' => 'Bearer ' . $_ENV['PIXAPI_KEY']],
    'multipart' => [
        ['name' => 'model', 'contents' => $model],
        ['name' => 'prompt', 'contents' => 'Swap the background for a sunny beach'],
        ['name' => 'image', 'contents' => fopen('portrait.png', 'r'), 'filename' => 'portrait.png'],
    ],
]);
$out = json_decode($response->getBody()->getContents(), true);
echo $out['data'][0]['url'];
