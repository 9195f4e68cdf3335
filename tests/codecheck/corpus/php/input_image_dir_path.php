<?php
require 'vendor/autoload.php';

$client = new GuzzleHttp\Client(['base_uri' => 'https://api.pixapi.ai']);
$res = $client->post('/v1/async/videos/generations', [
    'headers' => ['Authorization' => 'Bearer ' . getenv('PIXAPI_KEY')],
    'json' => [
        'model' => 'veo',
        'prompt' => 'Camera slowly zooms into the product',
        'input_image' => __DIR__ . '/uploads/product.png',
        'duration' => 6,
    ],
]);
echo $res->getBody();
