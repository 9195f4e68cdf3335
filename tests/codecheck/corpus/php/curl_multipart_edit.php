<?php
$ch = curl_init('https://api.pixapi.ai/v1/images/edits');
curl_setopt($ch, CURLOPT_RETURNTRANSFER, true);
curl_setopt($ch, CURLOPT_HTTPHEADER, ['Authorization: Bearer ' . getenv('PIXAPI_KEY')]);
curl_setopt($ch, CURLOPT_POSTFIELDS, [
    'model' => 'gemini-2.5-flash-image',
    'prompt' => 'Make it look like a watercolor painting',
    'image' => new CURLFile('garden.jpg', 'image/jpeg', 'garden.jpg'),
]);
$res = json_decode(curl_exec($ch), true);
curl_close($ch);
echo $res['data'][0]['url'];
