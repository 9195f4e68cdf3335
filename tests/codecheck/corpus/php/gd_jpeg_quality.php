<?php
require 'vendor/autoload.php';

$client = new GuzzleHttp\Client();
$res = $client->post('https://api.pixapi.ai/v1/images/generations', [
    'headers' => ['Authorization' => 'Bearer ' . getenv('PIXAPI_KEY')],
    'json' => ['model' => 'gpt-image-1.5', 'prompt' => 'A badge icon of a rocket', 'response_format' => 'b64_json'],
]);
$payload = json_decode((string) $res->getBody(), true);
$img = imagecreatefromstring(base64_decode($payload['data'][0]['b64_json']));
$thumb = imagescale($img, 256, 256);
imagejpeg($thumb, 'rocket-256.jpg', 85);
