<?php
require 'vendor/autoload.php';

define('PIXAPI_MODEL', 'nano-banana');

$client = new GuzzleHttp\Client([
    'base_uri' => 'https://api.pixapi.ai',
    'headers' => ['Authorization' => 'Bearer ' . getenv('PIXAPI_KEY')],
]);
$img = json_decode((string) $client->post('/v1/images/generations', [
    'json' => ['model' => PIXAPI_MODEL, 'prompt' => 'A red fox in fresh snow'],
])->getBody(), true);

$video = json_decode((string) $client->post('/v1/async/videos/generations', [
    'json' => [
        'model' => PIXAPI_MODEL,
        'prompt' => 'The fox trots away',
        'input_image' => $img['data'][0]['url'],
        'duration' => 6,
    ],
])->getBody(), true);
echo $video['id'];
