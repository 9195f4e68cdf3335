<?php
require 'vendor/autoload.php';

use GuzzleHttp\Client;

$client = new Client(['base_uri' => 'https://api.pixapi.ai', 'timeout' => 120]);
// 'json' => [...] makes Guzzle encode the body and send Content-Type: application/json.
$response = $client->post('/v1/images/generations', [
    'headers' => ['Authorization' => 'Bearer ' . getenv('PIXAPI_KEY')],
    'json' => [
        'model' => 'gpt-image-2',
        'prompt' => 'A cozy cabin interior with a fireplace',
        'quality' => 'medium',
        'n' => 1,
    ],
]);
$data = json_decode((string) $response->getBody(), true);
echo $data['data'][0]['url'] . PHP_EOL;
